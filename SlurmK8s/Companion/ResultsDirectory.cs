using System.Globalization;
using SlurmK8s.Os;

namespace SlurmK8s.Companion;

/// <summary>The folder results are written to, and the words for when they cannot be: the path, who we are, who owns it, the fix.</summary>
internal static class ResultsDirectory
{
    /// <summary>Creates <paramref name="target"/> and proves a file can be written in it; null when so, else the message.</summary>
    public static string? Prepare(string target, string? hostPath)
    {
        try
        {
            Directory.CreateDirectory(target);
            var probe = Path.Join(target, string.Create(CultureInfo.InvariantCulture, $".slurmk8s-probe-{Environment.ProcessId}"));
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return Explain(target, e, hostPath);
        }
    }

    /// <summary>Why <paramref name="path"/> could not be written and how to fix it, with our uid/gid and the owner of the nearest existing folder.</summary>
    public static string Explain(string path, Exception error, string? hostPath)
    {
        var uid = Libc.GetEffectiveUserId();
        var gid = Libc.GetEffectiveGroupId();
        var existing = NearestExisting(path);
        var owner = Libc.FileOwner(existing) is { } o
            ? string.Create(CultureInfo.InvariantCulture, $"{existing} is owned by uid {o.Uid} gid {o.Gid} with mode {Convert.ToString(o.Mode, 8).PadLeft(4, '0')}")
            : $"{existing} could not be inspected";
        var volume = hostPath is null ? "the volume behind the SlurmJob's results.mount" : $"{hostPath} (the hostPath behind results.mount) on the node";
        var fix = error is UnauthorizedAccessException
            ? string.Create(CultureInfo.InvariantCulture,
                $"Fix: chown {uid}:{gid} {volume}, or make it writable for uid {uid}; or run the companion as the owner of that folder (the operator's --companion-uid/--companion-gid).")
            : $"Fix: check {volume} (full, read-only or not a directory?).";
        return string.Create(CultureInfo.InvariantCulture,
            $"cannot write results to {path}: {error.Message} The companion runs as uid {uid} gid {gid}; {owner}. {fix}");
    }

    private static string NearestExisting(string path)
    {
        var current = Path.GetFullPath(path);
        while (!Directory.Exists(current) && !File.Exists(current) && Path.GetDirectoryName(current) is { } parent)
        {
            current = parent;
        }
        return current;
    }
}
