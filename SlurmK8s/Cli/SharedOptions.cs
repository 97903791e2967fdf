using System.CommandLine;
using SlurmK8s.Kube;
using SlurmK8s.RedBoxContract;

namespace SlurmK8s.Cli;

/// <summary>
/// The options several commands take, each declared once: one spelling, one description, one default. A command says
/// only what differs for it (what its socket is for, what it does without a kubeconfig).
/// </summary>
internal static class SharedOptions
{
    /// <summary>The word that leaves a flag's thing out: an empty value cannot be given in the --flag= form (it is refused as missing).</summary>
    public const string None = "none";

    /// <summary>The flag's value, or "" for <see cref="None"/> (any case) or no value.</summary>
    public static string NoneIsEmpty(string? value) =>
        value is null || value.Trim().Equals(None, StringComparison.OrdinalIgnoreCase) ? "" : value;

    private const string InCluster = "the pod's in-cluster service account";

    /// <summary>--kubeconfig: the credentials a role reaches the API server with.</summary>
    /// <param name="without">What the role does without one.</param>
    /// <param name="fromEnvironment">Whether $KUBECONFIG stands in for a missing flag.</param>
    public static Option<string?> Kubeconfig(string without = InCluster, bool fromEnvironment = false) => new("--kubeconfig")
    {
        Description = $"A kubeconfig file (default: {(fromEnvironment ? "$KUBECONFIG, else " : "")}{without})",
        DefaultValueFactory = _ => fromEnvironment && Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } path ? path : null,
    };

    /// <summary>
    /// --kube-api-qps and --kube-api-burst: the client-side limit on a role's requests to the API server (client-go's
    /// QPS and Burst), with the role's own defaults. Read both with <see cref="KubeApiLimitsFrom"/>.
    /// </summary>
    public static (Option<double> Qps, Option<int> Burst) KubeApiLimitOptions(KubeApiLimits defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        var qps = new Option<double>("--kube-api-qps")
        {
            Description = "Requests a second this process sends the Kubernetes API server at most, watches and writes alike (0: no client-side limit)",
            DefaultValueFactory = _ => defaults.Qps,
        };
        var burst = new Option<int>("--kube-api-burst")
        {
            Description = "Requests it may send at once above --kube-api-qps, after a quiet spell",
            DefaultValueFactory = _ => defaults.Burst,
        };
        burst.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--kube-api-burst must be at least 1");
            }
        });
        return (qps, burst);
    }

    /// <summary>The limit that <see cref="KubeApiLimitOptions"/>'s two options say.</summary>
    public static KubeApiLimits KubeApiLimitsFrom(ParseResult result, (Option<double> Qps, Option<int> Burst) options)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new KubeApiLimits(result.GetValue(options.Qps), result.GetValue(options.Burst));
    }

    /// <summary>--log-format: json (the default) or text; for a role whose log people read beside other output, human first.</summary>
    /// <param name="note">Anything the role's logs do differently (say, where they go).</param>
    /// <param name="humanByDefault">One short `[slurmk8s] …` line per record by default, json and text on request.</param>
    public static Option<string> LogFormat(string? note = null, bool humanByDefault = false)
    {
        string[] formats = humanByDefault ? ["human", "json", "text"] : ["json", "text"];
        var what = humanByDefault ? "human (one short `[slurmk8s] …` line each, told apart from other output), json (structured records) or text" : "json or text";
        var option = new Option<string>("--log-format") { Description = what + (note is null ? "" : $" ({note})"), DefaultValueFactory = _ => formats[0] };
        option.AcceptOnlyFromAmong(formats);
        return option;
    }

    /// <summary>--socket: red-box's Unix socket, by default <see cref="RedBoxSocket.DefaultPath"/>.</summary>
    /// <param name="use">What the role does with it.</param>
    public static Option<string> Socket(string use) =>
        new("--socket") { Description = $"red-box's Unix socket: {use}", DefaultValueFactory = _ => RedBoxSocket.DefaultPath };

    /// <summary>
    /// A hidden older spelling of <paramref name="option"/> that manifests may still pass: its value stands in when the
    /// current spelling is not given. Add the returned option to the command next to <paramref name="option"/>.
    /// </summary>
    public static Option<string?> OldSpelling(Option<string> option, string oldName)
    {
        var old = new Option<string?>(oldName) { Description = $"The old spelling of {option.Name}", Hidden = true };
        var fallback = option.DefaultValueFactory;
        option.DefaultValueFactory = result => result.GetValue(old) ?? fallback!(result);
        return old;
    }
}
