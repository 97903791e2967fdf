using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SlurmK8s.RedBox.Callers;

/// <summary>
/// Who is at the other end of a Unix socket, as the kernel recorded it when the peer connected (SO_PEERCRED): its pid,
/// effective uid and gid — never what the peer says. Where the kernel offers SO_PEERPIDFD (Linux 6.5+), also a pidfd
/// bound to that very process. Dispose to close the pidfd.
/// </summary>
/// <param name="Pid">0 when the peer's process is in a pid namespace red-box cannot see into.</param>
internal sealed record PeerCredentials(int Pid, uint Uid, uint Gid, PidFdHandle? PidFd = null) : IDisposable
{
    private const int SolSocket = 1;
    private const int SoPeerPidFd = 77;

    // struct ucred { pid_t pid; uid_t uid; gid_t gid; }: three 32-bit fields in the machine's byte order.
    private const int UcredSize = 12;

    /// <summary>
    /// Reads the peer of an accepted (or connected) Unix socket. Throws SocketException when the kernel will not say
    /// (including SO_PEERPIDFD failing on a kernel that has it).
    /// </summary>
    public static PeerCredentials Read(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Span<byte> ucred = stackalloc byte[UcredSize];
        var length = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
        if (length != UcredSize)
        {
            throw new SocketException((int)SocketError.ProtocolOption);
        }
        var pid = MemoryMarshal.Read<int>(ucred);
        var uid = MemoryMarshal.Read<uint>(ucred[4..]);
        var gid = MemoryMarshal.Read<uint>(ucred[8..]);
        return new PeerCredentials(pid, uid, gid, ReadPidFd(socket));
    }

    public void Dispose() => PidFd?.Dispose();

    /// <summary>SO_PEERCRED: 17 in the generic socket.h; powerpc renumbers options 16–21 (SO_PEERPIDFD stays 77 everywhere .NET runs).</summary>
    private static int SoPeerCred => RuntimeInformation.ProcessArchitecture == Architecture.Ppc64le ? 21 : 17;

    /// <summary>The peer's pidfd, or null where the kernel has no SO_PEERPIDFD (before 6.5: ENOPROTOOPT).</summary>
    private static PidFdHandle? ReadPidFd(Socket socket)
    {
        Span<byte> value = stackalloc byte[sizeof(int)];
        try
        {
            if (socket.GetRawSocketOption(SolSocket, SoPeerPidFd, value) != sizeof(int))
            {
                throw new SocketException((int)SocketError.SocketError);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ProtocolOption)
        {
            // ENOPROTOOPT: a kernel before 6.5. Any other failure (EINVAL for a peer already reaped, on 6.5–6.x) is thrown:
            // the guard exists here but could not be used, so the caller is refused rather than judged without it.
            return null;
        }
        var fd = MemoryMarshal.Read<int>(value);
        return fd < 0 ? null : new PidFdHandle(fd);
    }
}
