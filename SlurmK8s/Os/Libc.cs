using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SlurmK8s.Os;

/// <summary>The few POSIX calls .NET does not expose: who we are, umask, chown, group lookup, realpath, pidfds.</summary>
internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "getegid")]
    public static partial uint GetEffectiveGroupId();

    [LibraryImport("libc", EntryPoint = "umask")]
    public static partial uint SetUmask(uint mask);

    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int ChownNative(string path, int owner, int group);

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial IntPtr RealPathNative(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int StatxNative(int directoryFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    // pidfd_open and pidfd_send_signal by number: glibc has wrappers only from 2.36, and kernels with SO_PEERPIDFD run on
    // older ones (Ubuntu 22.04 HWE). 424 and 434 are the same on every architecture .NET runs on (unified numbering, Linux 5.1+).
    private const long SysPidFdSendSignal = 424;
    private const long SysPidFdOpen = 434;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long SyscallPidFdSendSignal(long number, int pidFd, int signal, IntPtr info, uint flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long SyscallPidFdOpen(long number, int pid, uint flags);

    /// <summary>pidfd_send_signal(pidfd, signal, NULL, 0): 0 when sent, else the errno (ESRCH: the process is gone).</summary>
    public static int PidFdSendSignal(int pidFd, int signal) =>
        SyscallPidFdSendSignal(SysPidFdSendSignal, pidFd, signal, IntPtr.Zero, 0) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>pidfd_open(pid, 0): a new fd bound to that process (close-on-exec), or -1 with the errno in <paramref name="errno"/>.</summary>
    public static int PidFdOpen(int pid, out int errno)
    {
        var fd = SyscallPidFdOpen(SysPidFdOpen, pid, 0);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return (int)fd;
    }

    /// <summary>Changes a file's group (owner unchanged).</summary>
    public static void ChangeGroup(string path, int groupId)
    {
        if (ChownNative(path, -1, groupId) != 0)
        {
            throw new IOException($"chgrp {groupId} {path} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Changes a file's owner and group (needs CAP_CHOWN: tests and set-up, never red-box).</summary>
    public static void ChangeOwner(string path, uint owner, uint group)
    {
        if (ChownNative(path, (int)owner, (int)group) != 0)
        {
            throw new IOException($"chown {owner}:{group} {path} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>The canonical path with every symlink, '.' and '..' resolved; null when it does not exist.</summary>
    public static string? RealPath(string path)
    {
        var resolved = RealPathNative(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    /// <summary>A file's owner, group and permission bits; null when it cannot be read.</summary>
    public static (uint Uid, uint Gid, uint Mode)? FileOwner(string path) => Statx(AtFdCwd, path, 0);

    /// <summary>An open file's owner, group and permission bits (what was opened, not what the path names now); null when they cannot be read.</summary>
    public static (uint Uid, uint Gid, uint Mode)? FileOwner(SafeFileHandle file)
    {
        const int AtEmptyPath = 0x1000;
        var added = false;
        file.DangerousAddRef(ref added);
        try
        {
            return Statx((int)file.DangerousGetHandle(), "", AtEmptyPath);
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    private const int AtFdCwd = -100;

    private static unsafe (uint Uid, uint Gid, uint Mode)? Statx(int directoryFd, string path, int flags)
    {
        // statx's buffer has one layout on every architecture (unlike struct stat): uid at 20, gid at 24, mode at 28.
        const uint Mask = 0x2 | 0x8 | 0x10; // STATX_MODE | STATX_UID | STATX_GID
        var buffer = stackalloc byte[256];
        if (StatxNative(directoryFd, path, flags, Mask, buffer) != 0)
        {
            return null;
        }
        return (*(uint*)(buffer + 20), *(uint*)(buffer + 24), *(ushort*)(buffer + 28) & 0xFFFu);
    }

    /// <summary>The numeric id of a group name, read from /etc/group (getent would need NSS; /etc/group is what a submit host has).</summary>
    public static int? GroupId(string name)
    {
        if (int.TryParse(name, out var numeric))
        {
            return numeric;
        }
        foreach (var line in File.ReadLines("/etc/group"))
        {
            var fields = line.Split(':');
            if (fields.Length >= 3 && fields[0] == name && int.TryParse(fields[2], out var id))
            {
                return id;
            }
        }
        return null;
    }
}
