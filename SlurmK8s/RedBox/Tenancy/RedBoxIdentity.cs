namespace SlurmK8s.RedBox.Tenancy;

/// <summary>
/// Who red-box itself is: no tenant's user may be red-box's user or be in its group or its socket's group, or its jobs
/// could write red-box's journal and state, or call red-box as whoever they like.
/// </summary>
/// <param name="SocketGid">The group given the socket (--socket-group); null when red-box keeps its own.</param>
internal sealed record RedBoxIdentity(uint Uid, uint Gid, uint? SocketGid);
