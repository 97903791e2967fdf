using SlurmK8s.Api.V1Alpha1;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Companion;

/// <summary>
/// Pure: which files on the submit host a finished job's results are, and where each lands under the results folder.
/// results.from (one file) and results.files (files or globs) together, as the CRD says; with neither, the job's output
/// as red-box names it (for an array, every started task's). Relative names are relative to the job's work dir.
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
            // Red-box fills each started task's output path; tasks that never started (cancelled while pending) wrote nothing.
            return job.ArrayTasks.Select(t => t.StdOut).Where(path => path.Length > 0).ToList();
        }
        return job.StdOut.Length > 0 ? [job.StdOut] : [];
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
}
