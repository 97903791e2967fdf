using Microsoft.Extensions.Logging;
using SlurmK8s.Slurm;
using SlurmK8s.RedBoxClient;
using SlurmK8s.RedBoxContract;

namespace SlurmK8s.Companion;

/// <summary>What collecting the results did: the files written, what was asked for but not found, or why nothing could be written.</summary>
internal sealed record CollectionOutcome(IReadOnlyList<string> Written, IReadOnlyList<string> Missing, string? NotWritable);

/// <summary>
/// Copies a finished job's result files from the submit host (red-box OpenFile; ListFiles for globs) into the results
/// folder. Each file is written beside its final name and renamed into place, so a reader never sees half a file and a
/// re-attached companion can simply write it again.
/// </summary>
internal sealed partial class ResultCollector(IRedBox redBox, IRedBoxRetry retry, ILogger<ResultCollector> logger)
{
    public async Task<CollectionOutcome> CollectAsync(IReadOnlyList<string> sources, string workDir, string target, string? hostPath,
        CancellationToken cancellationToken)
    {
        if (ResultsDirectory.Prepare(target, hostPath) is { } problem)
        {
            return new CollectionOutcome([], [], problem);
        }
        var written = new List<string>();
        var missing = new List<string>();
        foreach (var source in sources)
        {
            IReadOnlyList<string> files = [source];
            if (GlobPattern.IsGlob(source))
            {
                try
                {
                    var listing = await retry.UntilAnsweredAsync(() => redBox.ListAsync(source, cancellationToken), cancellationToken).ConfigureAwait(false);
                    if (listing.Truncated)
                    {
                        LogTruncated(source, listing.Paths.Count);
                    }
                    files = listing.Paths;
                }
                catch (SlurmException e) when (e.Kind != SlurmErrorKind.Unavailable)
                {
                    missing.Add($"{source}: {e.Message}");
                    continue;
                }
                if (files.Count == 0)
                {
                    missing.Add($"{source}: no file matches");
                    continue;
                }
            }
            foreach (var file in files)
            {
                var destination = Path.Join(target, ResultSources.Destination(file, workDir));
                try
                {
                    await retry.UntilAnsweredAsync(() => CopyAsync(file, destination, cancellationToken), cancellationToken).ConfigureAwait(false);
                    written.Add(destination);
                    LogCollected(file, destination);
                }
                catch (SlurmException e) when (e.Kind != SlurmErrorKind.Unavailable)
                {
                    missing.Add($"{file}: {e.Message}");
                }
                catch (Exception e) when (e is UnauthorizedAccessException or IOException)
                {
                    return new CollectionOutcome(written, missing, ResultsDirectory.Explain(destination, e, hostPath));
                }
            }
        }
        return new CollectionOutcome(written, missing, null);
    }

    private async Task<bool> CopyAsync(string source, string destination, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var partial = destination + ".partial";
        try
        {
            var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                await foreach (var chunk in redBox.ReadAsync(source, cancellationToken).ConfigureAwait(false))
                {
                    await file.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
                }
            }
            File.Move(partial, destination, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is SlurmException or OperationCanceledException)
        {
            File.Delete(partial);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Collected {Source} into {Destination}")]
    private partial void LogCollected(string source, string destination);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Pattern} matched more files than red-box lists at once; collecting the first {Count}")]
    private partial void LogTruncated(string pattern, int count);
}
