using System.Globalization;
using SlurmK8s.Api.V1Alpha1;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Companion;

/// <summary>
/// Pure: which files on the submit host a finished job's results are, and where each lands under the results folder.
/// results.from (one file) and results.files (files or globs) together, as the CRD says; with neither, the job's output: slurm-&lt;id&gt;.out,
/// or for an array every started task's slurm-&lt;arrayid&gt;_&lt;task&gt;.out. Relative names are relative to the job's work dir.
/// </summary>
internal static class ResultSources
{
    public static IReadOnlyList<string> For(SlurmJobResults? results, Proto.Job job)
    {
        var workDir = job.WorkDir;
        var named = new[] { results?.From }.Concat(results?.Files ?? []).Where(f => !string.IsNullOrWhiteSpace(f)).Select(f => f!.Trim()).ToList();
        if (named.Count > 0)
        {
            return named.Select(f => Absolute(f, workDir)).Distinct(StringComparer.Ordinal).ToList();
        }
        if (job.ArrayTasks.Count > 0)
        {
            // Tasks that never started (cancelled while pending) wrote nothing.
            return job.ArrayTasks.Where(t => t.JobId != 0 || t.StdOut.Length > 0)
                .Select(t => t.StdOut.Length > 0 ? t.StdOut : Path.Join(workDir, Name($"slurm-{job.JobId}_{t.TaskId}.out")))
                .ToList();
        }
        return [job.StdOut.Length > 0 ? job.StdOut : Path.Join(workDir, Name($"slurm-{job.JobId}.out"))];
    }

    /// <summary>Where a collected file goes, relative to the results folder: its path below the work dir, else its name.</summary>
    public static string Destination(string sourcePath, string workDir)
    {
        if (workDir.Length > 0)
        {
            var relative = Path.GetRelativePath(workDir, sourcePath);
            if (!Path.IsPathRooted(relative) && !relative.Split('/').Contains(".."))
            {
                return relative;
            }
        }
        return Path.GetFileName(sourcePath);
    }

    private static string Absolute(string path, string workDir) => Path.IsPathRooted(path) || workDir.Length == 0 ? path : Path.Join(workDir, path);

    private static string Name(FormattableString name) => name.ToString(CultureInfo.InvariantCulture);
}
