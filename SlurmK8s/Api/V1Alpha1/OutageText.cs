using System.Globalization;

namespace SlurmK8s.Api.V1Alpha1;

/// <summary>An outage the companion reported, in one sentence for a condition and an event.</summary>
internal static class OutageText
{
    public static string Describe(Outage outage)
    {
        var since = outage.Since.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var words = outage.Message.Length > 0 ? $": {outage.Message}" : "";
        return outage.Component switch
        {
            OutageComponent.RedBox => $"red-box does not answer at {outage.Where} since {since}{words}",
            _ => $"Slurm's controller does not answer red-box ({outage.Where}) since {since}{words}",
        };
    }

    public static string Restored(OutageComponent component) => component switch
    {
        OutageComponent.RedBox => "red-box answers again",
        _ => "Slurm's controller answers red-box again",
    };
}
