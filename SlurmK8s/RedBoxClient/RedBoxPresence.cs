namespace SlurmK8s.RedBoxClient;

/// <summary>Whether red-box is on this node: no socket, a socket nobody answers on, or an answer.</summary>
internal enum RedBoxPresence
{
    NoSocket,
    NotAnswering,
    Answered,
}
