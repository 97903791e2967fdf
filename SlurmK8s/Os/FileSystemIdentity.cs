using System.Runtime.InteropServices;

namespace SlurmK8s.Os;

/// <summary>
/// Runs a piece of synchronous file work with another user's file-system identity (fsuid, fsgid and supplementary
/// groups), on the calling thread only: the kernel then checks every path, symlink and permission as that user, so a
/// link a job planted reaches nothing its user could not read anyway, and what is created belongs to that user.
/// Linux keeps these per thread; glibc's setgroups() would change every thread, so groups are set by raw syscall.
/// Needs CAP_SETUID and CAP_SETGID. The work must not await: it has to finish on this thread before it is restored.
/// </summary>
internal static unsafe partial class FileSystemIdentity
{
    private static readonly long SysSetgroups = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 116,
        Architecture.Arm64 => 159,
        var other => throw new PlatformNotSupportedException($"setgroups syscall number unknown for {other}"),
    };

    [LibraryImport("libc", EntryPoint = "setfsuid")]
    private static partial int SetFsUid(uint uid);

    [LibraryImport("libc", EntryPoint = "setfsgid")]
    private static partial int SetFsGid(uint gid);

    [LibraryImport("libc", EntryPoint = "getgroups", SetLastError = true)]
    private static partial int GetGroups(int size, uint* list);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long size, uint* list);

    /// <summary>Runs <paramref name="work"/> as <paramref name="user"/> would, then restores red-box's identity.</summary>
    public static T As<T>(UnixUser user, Func<T> work)
    {
        var ownUid = Libc.GetEffectiveUserId();
        var ownGid = Libc.GetEffectiveGroupId();
        var ownGroups = CurrentGroups();
        Assume(user.Uid, user.Gid, [.. user.Groups.Append(user.Gid).Distinct()]);
        try
        {
            return work();
        }
        finally
        {
            // A thread left with a tenant's identity would serve the next call with it: better to stop.
            try
            {
                Assume(ownUid, ownGid, ownGroups);
            }
            catch (Exception e)
            {
                Environment.FailFast("red-box could not restore its own file-system identity", e);
            }
        }
    }

    public static void As(UnixUser user, Action work) => As(user, () =>
    {
        work();
        return true;
    });

    private static void Assume(uint uid, uint gid, uint[] groups)
    {
        // Groups and gid first: once the fsuid is a tenant's, red-box (if root) has lost nothing it needs for these.
        fixed (uint* list = groups)
        {
            if (Syscall(SysSetgroups, groups.Length, list) != 0)
            {
                throw new UnauthorizedAccessException($"setgroups failed (errno {Marshal.GetLastPInvokeError()}): red-box needs CAP_SETGID");
            }
        }
        _ = SetFsGid(gid);
        _ = SetFsUid(uid);
        // setfsuid/setfsgid report nothing on failure; an invalid id (-1) changes nothing and returns the current one.
        if ((uint)SetFsUid(uint.MaxValue) != uid || (uint)SetFsGid(uint.MaxValue) != gid)
        {
            throw new UnauthorizedAccessException($"could not take the file-system identity uid {uid} gid {gid}: red-box needs CAP_SETUID and CAP_SETGID");
        }
    }

    private static uint[] CurrentGroups()
    {
        var count = GetGroups(0, null);
        var groups = new uint[Math.Max(count, 0)];
        fixed (uint* list = groups)
        {
            count = GetGroups(groups.Length, list);
        }
        return count < 0 ? throw new IOException($"getgroups failed: errno {Marshal.GetLastPInvokeError()}") : groups[..count];
    }
}
