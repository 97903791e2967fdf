using System.Runtime.InteropServices;

namespace SlurmK8s.Os;

/// <summary>The few POSIX calls .NET does not expose: who we are, umask, chown, group lookup, realpath.</summary>
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

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);

    /// <summary>Changes a file's group (owner unchanged).</summary>
    public static void ChangeGroup(string path, int groupId)
    {
        if (ChownNative(path, -1, groupId) != 0)
        {
            throw new IOException($"chgrp {groupId} {path} failed: errno {Marshal.GetLastPInvokeError()}");
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
