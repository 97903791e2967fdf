using System.Security.Cryptography;
using System.Text;
using SlurmK8s.Os;
using SlurmK8s.RedBox.Callers;
using SlurmK8s.RedBox.Tenancy;
using SlurmK8s.Slurm;

namespace SlurmK8s.RedBox.Scoping;

/// <summary>
/// What one call may touch: the caller as the kernel showed it and the tenant the administrator mapped it to.
/// Everything here is derived from those two, never from the request: a caller cannot name its way into another scope.
/// </summary>
internal sealed record CallScope(Caller Caller, Tenant Tenant)
{
    /// <summary>Marks a Slurm job's comment as red-box's: <c>slurmk8s-key=&lt;tenant&gt;.&lt;owner hash&gt;.&lt;key hash&gt;</c>.</summary>
    public const string CommentPrefix = "slurmk8s-key=";

    public UnixUser User => Tenant.User;

    /// <summary>True for a SlurmJob's companion: it may act only on the jobs of its own SlurmJob.</summary>
    public bool IsSlurmJob => Caller.Pod?.SlurmJobUid is not null;

    /// <summary>
    /// The journal's key and the job comment's body for an idempotency key: the same key from another tenant or another
    /// SlurmJob is another entry, and the comment (which squeue shows to every user) gives the key away to nobody.
    /// </summary>
    public string ScopedKey(string key) => $"{Tenant.Name}.{OwnerHash}.{KeyHash(key)}";

    /// <summary>The last part of every scoped key and comment made from <paramref name="key"/>, whoever sent it.</summary>
    public static string KeyHash(string key) => Hash(key, 32);

    public string Comment(string key) => CommentPrefix + ScopedKey(key);

    /// <summary>The comment prefix every job of this owner carries.</summary>
    public string OwnerCommentPrefix => $"{CommentPrefix}{Tenant.Name}.{OwnerHash}.";

    /// <summary>
    /// Where this caller's job is submitted from (<c>--chdir</c>) and its output lands, under the tenant's root:
    /// one directory per SlurmJob (namespace, name and UID, so two SlurmJobs never share one), per key otherwise.
    /// </summary>
    public string JobDirectory(string? key) => Caller.Pod switch
    {
        { SlurmJobUid: { } uid, SlurmJobName: { } name } pod => Path.Join(Tenant.WorkRoot, pod.Namespace, $"{name}-{uid}"),
        _ when !string.IsNullOrEmpty(key) => Path.Join(Tenant.WorkRoot, "keys", $"{OwnerHash}-{KeyHash(key)}"),
        _ => Path.Join(Tenant.WorkRoot, "jobs", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid():N}"[..32]),
    };

    /// <summary>The directory relative paths are read from: the SlurmJob's own directory, else the tenant's root.</summary>
    public string BaseDirectory => IsSlurmJob ? JobDirectory(null) : Tenant.WorkRoot;

    /// <summary>Whether a job Slurm reports is this caller's to see: its tenant's user ran it (and, for a SlurmJob, it carries that SlurmJob's mark).</summary>
    public bool Owns(string jobUser, string jobComment) =>
        string.Equals(jobUser, Tenant.User.Name, StringComparison.Ordinal)
        && (!IsSlurmJob || jobComment.StartsWith(OwnerCommentPrefix, StringComparison.Ordinal));

    /// <summary>
    /// Whether a job Slurm reports is the one this caller's <paramref name="key"/> made: run as the tenant's user and
    /// marked with the key's exact comment. Where Slurm keeps no comments (accounting without <c>job_comment</c>), an
    /// unmarked job of the tenant's user is taken for it: nothing else could tell.
    /// </summary>
    public bool MadeBy(string key, JobRecord job, bool commentsKept = true) =>
        string.Equals(job.User, Tenant.User.Name, StringComparison.Ordinal)
        && (string.Equals(job.Comment, Comment(key), StringComparison.Ordinal) || (!commentsKept && job.Comment.Length == 0));

    public string Describe() => $"{Caller.Describe()} as tenant {Tenant.Name}";

    // Once per call's scope: Owns reads it for every job a call looks at.
    private string OwnerHash { get; } = Hash(OwnerOf(Caller), 16);

    /// <summary>Within the tenant, who owns keys and a directory: a SlurmJob (through its companion pod), a namespace's other pods, or a host uid.</summary>
    private static string OwnerOf(Caller caller) => caller.Pod switch
    {
        { SlurmJobUid: { } slurmJob } pod => $"slurmjob:{pod.Namespace}/{slurmJob}",
        { } pod => $"namespace:{pod.Namespace}",
        null => $"host:{caller.Uid}",
    };

    private static string Hash(string text, int length) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..length];
}
