namespace SlurmK8s.RedBox.Callers;

/// <summary>The caller of a connection, set once by <see cref="CallerMiddleware"/> on the connection's features.</summary>
internal interface ICallerFeature
{
    CallerResolution Resolution { get; }
}
