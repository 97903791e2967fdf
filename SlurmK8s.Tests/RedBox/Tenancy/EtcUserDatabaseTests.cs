using SlurmK8s.RedBox.Tenancy;

namespace SlurmK8s.Tests.RedBox.Tenancy;

internal sealed class EtcUserDatabaseTests
{
    private const string Passwd = """
        root:x:0:0:root:/root:/bin/bash
        # a comment
        +nisuser::::::
        chem:x:1001:1001:Chemistry jobs:/home/chem:/bin/bash
        chemist:x:1005:1005::/home/chemist:/bin/sh
        chem:x:2001:2001:a second entry, shadowed:/home/chem2:/bin/sh
        broken:x:notanumber:1006::/home/broken:/bin/sh
        short:x:1007
        """;

    private const string Group = """
        root:x:0:
        chem:x:1001:
        gpu:x:2000:chem,phys
        chemists:x:2001:chemist
        video:x:44:phys,chem
        bad:x:nope:chem
        """;

    [Test]
    public void FindIn_UserWithGroups_PrimaryAndEveryGroupListingIt()
    {
        var user = EtcUserDatabase.FindIn(Passwd, Group, "chem")!;

        Assert.That((user.Name, user.Uid, user.Gid, user.Home), Is.EqualTo(("chem", 1001u, 1001u, "/home/chem")));
        Assert.That(user.Groups, Is.EqualTo(new uint[] { 44, 1001, 2000 }));
    }

    [Test]
    public void FindIn_NameThatPrefixesAnother_MatchesWholeNamesOnly() =>
        // "chem" is in gpu's list; "chemist" is not, and is in chemists' list only.
        Assert.That(EtcUserDatabase.FindIn(Passwd, Group, "chemist")!.Groups, Is.EqualTo(new uint[] { 1005, 2001 }));

    [TestCase("nobody1", TestName = "FindIn_UnknownUser_Null")]
    [TestCase("+nisuser", TestName = "FindIn_NisLine_Null")]
    [TestCase("broken", TestName = "FindIn_UidNotANumber_Null")]
    [TestCase("short", TestName = "FindIn_TooFewFields_Null")]
    [TestCase("", TestName = "FindIn_EmptyName_Null")]
    public void FindIn_NoUsableEntry_Null(string name) =>
        Assert.That(EtcUserDatabase.FindIn(Passwd, Group, name), Is.Null);

    [Test]
    public void FindIn_CarriageReturns_Ignored() =>
        Assert.That(EtcUserDatabase.FindIn("chem:x:1001:1001::/home/chem:/bin/sh\r\n", "gpu:x:2000:chem\r\n", "chem")!.Groups, Is.EqualTo(new uint[] { 1001, 2000 }));

    [Test]
    public void Find_ReadsBothFilesAfresh()
    {
        using var dir = new TempDirectory();
        var passwd = dir.Combine("passwd");
        var group = dir.Combine("group");
        File.WriteAllText(passwd, "chem:x:1001:1001::/home/chem:/bin/sh\n");
        File.WriteAllText(group, "");
        var users = new EtcUserDatabase(passwd, group);
        Assert.That(users.Sources, Is.EqualTo(new[] { passwd, group }));
        Assert.That(users.Find("chem")!.Groups, Is.EqualTo(new uint[] { 1001 }));

        File.WriteAllText(group, "gpu:x:2000:chem\n");

        Assert.That(users.Find("chem")!.Groups, Is.EqualTo(new uint[] { 1001, 2000 }));
    }

    [Test]
    public void Find_GroupFileMissing_PrimaryGroupOnly()
    {
        using var dir = new TempDirectory();
        var passwd = dir.Combine("passwd");
        File.WriteAllText(passwd, "chem:x:1001:1001::/home/chem:/bin/sh\n");

        Assert.That(new EtcUserDatabase(passwd, dir.Combine("group")).Find("chem")!.Groups, Is.EqualTo(new uint[] { 1001 }));
    }

    [Test]
    public void Find_ThisHostsRoot_IsUid0() =>
        Assert.That(new EtcUserDatabase().Find("root")!.Uid, Is.Zero);
}
