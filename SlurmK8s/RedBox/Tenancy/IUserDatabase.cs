namespace SlurmK8s.RedBox.Tenancy;

/// <summary>The host's users and groups, as the tenancy file's `user` fields are resolved against.</summary>
internal interface IUserDatabase
{
    /// <summary>The files it reads (named in errors, and followed so that a change to a tenant's user is picked up); empty for a fake.</summary>
    IReadOnlyList<string> Sources { get; }

    /// <summary>The user named <paramref name="name"/> with all its groups; null when there is none.</summary>
    TenantUser? Find(string name);
}
