using System.Net.Sockets;
using SlurmK8s.Os;

namespace SlurmK8s.RedBox;

/// <summary>The red-box socket file: replace a stale one, refuse a live one, and tighten its permissions.</summary>
internal static class UnixSocket
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>Whether something answers on the socket.</summary>
    public static async Task<bool> IsLiveAsync(string path, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Makes the path ready to listen on: its directory exists and no stale socket file remains. False if a live server answers.</summary>
    public static async Task<bool> PrepareAsync(string path, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        if (!File.Exists(path))
        {
            return true;
        }
        if (await IsLiveAsync(path, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }
        File.Delete(path);
        return true;
    }

    /// <summary>Sets mode 0660 and, if given, the group whose members may connect.</summary>
    public static void Secure(string path, int? groupId)
    {
        if (groupId is { } gid)
        {
            Libc.ChangeGroup(path, gid);
        }
        File.SetUnixFileMode(path, Mode);
    }
}
