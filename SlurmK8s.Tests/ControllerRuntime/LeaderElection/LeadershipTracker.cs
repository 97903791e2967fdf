using System.Diagnostics;

namespace SlurmK8s.Tests.ControllerRuntime.LeaderElection;

/// <summary>Records when each contender's leader-only work starts and stops, and how many ran at once.</summary>
internal sealed class LeadershipTracker
{
    private readonly Lock _gate = new();
    private readonly List<(long At, string Who, bool Entered)> _events = [];
    private int _current;

    public int MaxConcurrent { get; private set; }

    public string? Current { get; private set; }

    public int Entries { get; private set; }

    /// <summary>The work a leader runs: holds until its token says leadership ended.</summary>
    public async Task WorkAsync(string who, CancellationToken leading)
    {
        Enter(who);
        try
        {
            await Task.Delay(Timeout.Infinite, leading);
        }
        catch (OperationCanceledException)
        {
            // leadership ended: stop acting
        }
        finally
        {
            Exit(who);
        }
    }

    public long? EnteredAt(string who) => Find(who, entered: true);

    public long? ExitedAt(string who) => Find(who, entered: false);

    public async Task<string> WaitForLeaderAsync(TimeSpan timeout, string? who = null)
    {
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            if (Current is { } current && (who is null || current == who))
            {
                return current;
            }
            await Task.Delay(20);
        }
        Assert.Fail($"no leader{(who is null ? "" : " " + who)} within {timeout}; events: {this}");
        return "";
    }

    public override string ToString()
    {
        lock (_gate)
        {
            var start = _events.Count > 0 ? _events[0].At : 0;
            return string.Join(", ", _events.Select(e => $"{(e.At - start) * 1000 / Stopwatch.Frequency}ms {e.Who} {(e.Entered ? "enter" : "exit")}"));
        }
    }

    private void Enter(string who)
    {
        lock (_gate)
        {
            _current++;
            MaxConcurrent = Math.Max(MaxConcurrent, _current);
            Current = who;
            Entries++;
            _events.Add((Stopwatch.GetTimestamp(), who, true));
        }
    }

    private void Exit(string who)
    {
        lock (_gate)
        {
            _current--;
            if (Current == who)
            {
                Current = null;
            }
            _events.Add((Stopwatch.GetTimestamp(), who, false));
        }
    }

    private long? Find(string who, bool entered)
    {
        lock (_gate)
        {
            return _events.Where(e => e.Who == who && e.Entered == entered).Select(e => (long?)e.At).LastOrDefault();
        }
    }
}
