namespace SlurmK8s.Companion;

/// <summary>An event the companion posts about its SlurmJob: type Normal or Warning, a CamelCase reason, human words.</summary>
internal sealed record CompanionEvent(string Type, string Reason, string Message)
{
    public const string NormalType = "Normal";
    public const string WarningType = "Warning";

    public static CompanionEvent Normal(string reason, string message) => new(NormalType, reason, message);

    public static CompanionEvent Warning(string reason, string message) => new(WarningType, reason, message);
}
