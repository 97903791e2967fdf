using System.Runtime.InteropServices;
using SlurmK8s.Os;

namespace SlurmK8s.RedBox.Callers;

/// <summary>
/// A pidfd: a file descriptor bound to one process for as long as it is held, so a pid the kernel reuses for another
/// process cannot be mistaken for it. Closed when disposed.
/// </summary>
internal sealed class PidFdHandle : SafeHandle
{
    private const int Eperm = 1;

    public PidFdHandle(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle < 0;

    /// <summary>A pidfd for a process (pidfd_open); null when it is gone or the kernel has no pidfds.</summary>
    public static PidFdHandle? Open(int pid)
    {
        var fd = Libc.PidFdOpen(pid, out _);
        return fd < 0 ? null : new PidFdHandle(fd);
    }

    /// <summary>
    /// Whether the process this pidfd stands for still exists: signal 0 through the pidfd (nothing is delivered).
    /// EPERM still means it exists (red-box may not signal another user's process); ESRCH means it exited; any other
    /// answer counts as gone, so a check that cannot be made refuses rather than trusts.
    /// </summary>
    public bool IsAlive()
    {
        var added = false;
        try
        {
            DangerousAddRef(ref added);
            var errno = Libc.PidFdSendSignal((int)handle, 0);
            return errno is 0 or Eperm;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
