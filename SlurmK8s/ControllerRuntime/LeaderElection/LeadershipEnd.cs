namespace SlurmK8s.ControllerRuntime.LeaderElection;

/// <summary>Why <see cref="LeaderElector.RunAsync"/> returned.</summary>
internal enum LeadershipEnd
{
    /// <summary>The caller's token was cancelled (before or while leading); the lease was released if held.</summary>
    Cancelled,

    /// <summary>Renewal failed past the renew deadline, or another replica holds the lease: stop acting (exit and restart).</summary>
    Lost,

    /// <summary>The work given to run while leading returned on its own; the lease was released.</summary>
    WorkCompleted,
}
