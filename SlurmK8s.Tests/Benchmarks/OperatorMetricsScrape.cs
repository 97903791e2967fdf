using System.Globalization;
using System.Text.RegularExpressions;

namespace SlurmK8s.Tests.Benchmarks;

/// <summary>The operator's /metrics at one moment: its API requests by verb, resource and code, and its work queue.</summary>
internal sealed partial record OperatorMetricsScrape(IReadOnlyDictionary<(string Verb, string Resource, string Code), double> Requests, double ThrottledSeconds, double QueueReady)
{
    public static readonly OperatorMetricsScrape Empty = new(new Dictionary<(string, string, string), double>(), 0, 0);

    public double Total => Requests.Values.Sum();

    public static async Task<OperatorMetricsScrape> ReadAsync(HttpClient http, int port)
    {
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        var requests = new Dictionary<(string, string, string), double>();
        double throttled = 0, ready = 0;
        foreach (var line in text.Split('\n'))
        {
            if (Sample().Match(line) is not { Success: true } sample)
            {
                continue;
            }
            var labels = Label().Matches(sample.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            var value = double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture);
            switch (sample.Groups["name"].Value)
            {
                case "slurmk8s_operator_api_requests_total":
                    requests[(labels["verb"], labels["resource"], labels["code"])] = value;
                    break;
                case "slurmk8s_operator_api_throttled_seconds_total":
                    throttled = value;
                    break;
                case "slurmk8s_operator_workqueue_depth" when labels.GetValueOrDefault("state") == "ready":
                    ready = value;
                    break;
            }
        }
        return new OperatorMetricsScrape(requests, throttled, ready);
    }

    /// <summary>What happened between <paramref name="before"/> and this scrape, by verb and resource (codes summed, or kept with <paramref name="byCode"/>).</summary>
    public IReadOnlyDictionary<string, double> Since(OperatorMetricsScrape before, bool byCode = false) => Requests
        .Select(r => (Key: byCode ? $"{r.Key.Verb} {r.Key.Resource} {r.Key.Code}" : $"{r.Key.Verb} {r.Key.Resource}", Delta: r.Value - before.Requests.GetValueOrDefault(r.Key)))
        .Where(r => r.Delta > 0)
        .GroupBy(r => r.Key)
        .ToDictionary(g => g.Key, g => g.Sum(r => r.Delta));

    /// <summary>Writes (what etcd stores: every verb but get, list and watch) between <paramref name="before"/> and this scrape.</summary>
    public double WritesSince(OperatorMetricsScrape before) => Requests
        .Where(r => r.Key.Verb is not ("get" or "list" or "watch"))
        .Sum(r => r.Value - before.Requests.GetValueOrDefault(r.Key));

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{[^}]*\})?\s+(?<value>\S+)$")]
    private static partial Regex Sample();

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"")]
    private static partial Regex Label();
}
