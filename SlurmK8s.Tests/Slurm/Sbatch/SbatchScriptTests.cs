using System.Globalization;
using SlurmK8s.Slurm.Sbatch;
using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.Slurm.Sbatch;

/// <summary>
/// The directive reader, case by case. Where a case says "sbatch:" the behaviour was checked against sbatch 22.05
/// (`sbatch -v --test-only` prints the options it read, or its error) on this machine.
/// </summary>
internal sealed class SbatchScriptTests
{
    private const string Shebang = "#!/bin/sh\n";

    /// <summary>The batch script of the seed's samples/cow.yaml, taken from the file itself.</summary>
    internal static string CowScript()
    {
        var lines = File.ReadAllLines(RepositoryFiles.Sample("cow.yaml"));
        var start = Array.FindIndex(lines, l => l.Trim() == "batch: |") + 1;
        var body = lines.Skip(start).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal)).Select(l => l[4..]);
        return string.Join('\n', body) + "\n";
    }

    private static IEnumerable<TestCaseData> ReadCases()
    {
        TestCaseData Case(string name, string script, string expected) => new TestCaseData(script, expected).SetName("Parse_" + name);

        yield return new TestCaseData(CowScript(), "").SetName("Parse_SeedCowYaml_HasNoDirectivesBecauseDoubleHashIsAComment");
        yield return Case("NoDirectives", Shebang + "echo hi\n", "");
        yield return Case("SeveralOptionsOnOneLine", Shebang + "#SBATCH --nodes=1 --cpus-per-task=1\nsrun hostname\n", "nodes=1 cpt=1");
        yield return Case("ValueAsNextArgument", Shebang + "#SBATCH --nodes 3 --ntasks 6\n", "nodes=3 tasks=6");
        yield return Case("ShortForms", Shebang + "#SBATCH -N 2 -n4 -c 2\n#SBATCH -N2\n", "nodes=2 tasks=4 cpt=2");
        yield return Case("TrailingComment", Shebang + "#SBATCH -N 2 # -n 5 is a comment\n", "nodes=2");
        yield return Case("HashGluedToValueStartsComment", Shebang + "#SBATCH -N2#c\n", "nodes=2");
        yield return Case("DirectivesAfterFirstCommandIgnored", Shebang + "#SBATCH -N 2\necho start\n#SBATCH -n 99\n", "nodes=2");
        yield return Case("BlankLinesAndCommentsSkipped", Shebang + "\n# a comment\n\n#SBATCH -n 3\n  # indented comment\n#SBATCH -c 2\nsrun x\n", "tasks=3 cpt=2");
        yield return Case("IndentedDirectiveIsAComment", Shebang + "  #SBATCH -N 3\n#SBATCH -n 2\n", "tasks=2");
        yield return Case("SpacedHashSbatchIsAComment", Shebang + "# SBATCH -N 3\n##SBATCH -N 4\n#SBATCH -n 2\n", "tasks=2");
        yield return Case("NoShebang", "#SBATCH -n 2\nhostname\n", "tasks=2");
        yield return Case("NodeRangeCountsMinimum", Shebang + "#SBATCH --nodes=2-4\n", "nodes=2-4");
        yield return Case("NodeCountWithKSuffix", Shebang + "#SBATCH --nodes=2k\n", "nodes=2048");          // sbatch: 2048
        yield return Case("LastOccurrenceWins", Shebang + "#SBATCH -n 2 -n 3\n#SBATCH --ntasks=5\n", "tasks=5");
        yield return Case("ValueOnNextDirectiveLine", Shebang + "#SBATCH -n\n#SBATCH 5\n", "tasks=5");     // sbatch: ntasks 5
        yield return Case("QuotedValueWithSpacesAndHash", Shebang + "#SBATCH --job-name=\"a b#c\" -N 2\n", "nodes=2");
        yield return Case("EscapedQuote", Shebang + "#SBATCH --job-name='a\\\"b' -N 2\n", "nodes=2");
        yield return Case("FlagCluster", Shebang + "#SBATCH -HN2\n#SBATCH -vc3\n", "nodes=2 cpt=3");         // sbatch: hold + nodes 2
        yield return Case("Abbreviations", Shebang + "#SBATCH --partit=debug --cpus-per-t=3 --ntasks-per-n=2\n", "tpn=2 cpt=3 partition=debug");
        yield return Case("UnknownOptionWithSeparateValueSkipped", Shebang + "#SBATCH --tres-per-task gres/gpu:1 -N 3\n", "nodes=3");
        yield return Case("UnknownOptionWithAttachedValueSkipped", Shebang + "#SBATCH --bogus=2 -n 3\n", "tasks=3");
        yield return Case("UnknownShortOptionSkipped", Shebang + "#SBATCH -X -n 3\n#SBATCH -r 4 -N 2\n", "nodes=2 tasks=3");
        yield return Case("UnmappedOptionsTakeTheirValues", Shebang + "#SBATCH --job-name my -o out.txt --exclusive -N 2 --mail-type END --hold\n", "nodes=2 sharing=Exclusive");
        yield return Case("TasksPerNode", Shebang + "#SBATCH --ntasks-per-node=4\n", "tpn=4");
        yield return Case("MemoryDefaultUnitIsMiB", Shebang + "#SBATCH --mem=2048\n", "mem=2048");
        yield return Case("MemoryGiB", Shebang + "#SBATCH --mem 2G\n", "mem=2048");
        yield return Case("MemoryKiBRoundsUp", Shebang + "#SBATCH --mem=100K\n", "mem=1");                   // sbatch: mem 1
        yield return Case("MemoryWithB", Shebang + "#SBATCH --mem=1gb\n", "mem=1024");                       // sbatch: 1G
        yield return Case("MemoryTiB", Shebang + "#SBATCH --mem=1T\n", "mem=1048576");
        yield return Case("MemoryZeroIsAllOfTheNode", Shebang + "#SBATCH --mem=0\n", "mem=0");
        yield return Case("MemoryPerCpu", Shebang + "#SBATCH --mem-per-cpu=512M\n", "mempercpu=512");
        yield return Case("MemoryPerGpu", Shebang + "#SBATCH --mem-per-gpu=1G\n", "mempergpu=1024");
        yield return Case("MemoryRepeatedSameOption", Shebang + "#SBATCH --mem=1G --mem=2G\n", "mem=2048");
        yield return Case("GresGpuWithoutCountIsOne", Shebang + "#SBATCH --gres=gpu\n", "gres=gpu:1");
        yield return Case("GresGpuCount", Shebang + "#SBATCH --gres=gpu:2\n", "gres=gpu:2");
        yield return Case("GresGpuTypeAndCount", Shebang + "#SBATCH --gres=gpu:tesla:2\n", "gres=gpu:2");
        yield return Case("GresTypeWithoutCount", Shebang + "#SBATCH --gres=gpu:1g.5gb\n", "gres=gpu:1");
        yield return Case("GresSeveralSummedByName", Shebang + "#SBATCH --gres=gpu:a100:1,gpu:v100:2,mps:100\n", "gres=gpu:3,mps:100");
        yield return Case("GresNone", Shebang + "#SBATCH --gres=gpu:2 --gres=none\n", "");
        yield return Case("Gpus", Shebang + "#SBATCH --gpus=2\n", "gpus=2");
        yield return Case("GpusShortWithType", Shebang + "#SBATCH -G a100:3\n", "gpus=3");
        yield return Case("GpusPerNodeAndTask", Shebang + "#SBATCH --gpus-per-node=2 --gpus-per-task=1\n", "gpn=2 gpt=1");
        yield return Case("Partition", Shebang + "#SBATCH -p debug\n", "partition=debug");
        yield return Case("PartitionList", Shebang + "#SBATCH --partition=debug,short\n", "partition=debug,short");
        yield return Case("Array", Shebang + "#SBATCH --array=1-5%2\n", "array=1-5%2");
        yield return Case("ArrayShort", Shebang + "#SBATCH -a 0-8:4\n", "array=0-8:4");
        yield return Case("EmptyArgumentEndsTheLine", Shebang + "#SBATCH -n 3 \"\" -N 2\n#SBATCH -c 2\n", "tasks=3 cpt=2"); // sbatch: ntasks 3 only
        yield return Case("Exclusive", Shebang + "#SBATCH --exclusive\n", "sharing=Exclusive");
        yield return Case("ExclusiveEmptyValue", Shebang + "#SBATCH --exclusive=\n", "sharing=Exclusive");                // sbatch: 2 processors (whole node)
        yield return Case("ExclusiveUser", Shebang + "#SBATCH --exclusive=user\n", "sharing=ExclusiveUser");
        yield return Case("ExclusiveUserAnyCase", Shebang + "#SBATCH --exclusive=USER\n", "sharing=ExclusiveUser");       // sbatch: accepted
        yield return Case("ExclusiveMcs", Shebang + "#SBATCH --exclusive=mcs\n", "sharing=ExclusiveMcs");
        yield return Case("OversubscribeLastWins", Shebang + "#SBATCH --exclusive -s\n", "sharing=OverSubscribe");
        yield return Case("ExclusiveLastWins", Shebang + "#SBATCH --oversubscribe\n#SBATCH --exclusive\n", "sharing=Exclusive");
        yield return Case("OvercommitInAFlagCluster", Shebang + "#SBATCH -On2\n", "tasks=2 overcommit");
        yield return Case("MinCpus", Shebang + "#SBATCH --mincpus=2\n", "mincpus=2");
        yield return Case("EmptyPartitionAndArrayAreNotGiven", Shebang + "#SBATCH -p debug --partition= --array=\n", "");     // sbatch: partition ""
    }

    [TestCaseSource(nameof(ReadCases))]
    public void Parse_ReadsDirectivesAsSbatchDoes(string script, string expected)
    {
        var result = SbatchScript.Parse(script);

        Assert.That(result.IsValid, Is.True, () => result.Error!.Message);
        Assert.That(Describe(result.Directives!), Is.EqualTo(expected));
    }

    private static IEnumerable<TestCaseData> TimeCases()
    {
        // sbatch prints what it stores: minutes rounded up; 0, -1, INFINITE and UNLIMITED are no limit.
        yield return new TestCaseData("90", 90);
        yield return new TestCaseData("5:30", 6);
        yield return new TestCaseData("1:90", 3);            // sbatch: 00:03:00
        yield return new TestCaseData("61", 61);             // sbatch: 01:01:00
        yield return new TestCaseData("01:00:00", 60);
        yield return new TestCaseData("2-3", (2 * 24 + 3) * 60);
        yield return new TestCaseData("1-2:30", (24 + 2) * 60 + 30);
        yield return new TestCaseData("1-2:3:4", (24 + 2) * 60 + 4); // sbatch: 1-02:04:00
        yield return new TestCaseData("1-", 24 * 60);        // sbatch: 1-00:00:00
        yield return new TestCaseData("0", null);            // sbatch: UNLIMITED
        yield return new TestCaseData("-1", null);
        yield return new TestCaseData("UNLIMITED", null);
        yield return new TestCaseData("infinite", null);
    }

    [TestCaseSource(nameof(TimeCases))]
    public void Parse_TimeLimit_ReadsSlurmTimeFormats(string value, int? minutes)
    {
        var result = SbatchScript.Parse($"{Shebang}#SBATCH --time={value}\n");

        Assert.That(result.IsValid, Is.True, () => result.Error!.Message);
        var expected = minutes is { } m ? TimeSpan.FromMinutes(m) : Timeout.InfiniteTimeSpan;
        Assert.That(result.Directives!.TimeLimit, Is.EqualTo(expected));
    }

    private static IEnumerable<TestCaseData> ErrorCases()
    {
        TestCaseData Case(string name, string directive, string option, string problem, string fix) =>
            new TestCaseData(directive, option, problem, fix).SetName("Parse_Refuses_" + name);

        yield return Case("NodesNotANumber", "#SBATCH --nodes=abc", "--nodes", "\"abc\", which is not a node count", "--nodes=2-4");
        yield return Case("NodesShortWithEquals", "#SBATCH -N=2", "-N (--nodes)", "\"=2\"", "--nodes=2");  // sbatch: "=2" is not a valid node count
        yield return Case("NodesMaxBelowMin", "#SBATCH --nodes=4-2", "--nodes", "maximum is below its minimum", "smaller count first");
        yield return Case("NodesOpenRange", "#SBATCH -N 2-", "-N (--nodes)", "not a node count", "--nodes=2-4");
        yield return Case("NodesZero", "#SBATCH --nodes=0", "--nodes", "0 nodes", "at least one node");
        yield return Case("TasksZero", "#SBATCH --ntasks=0", "--ntasks", "not a whole number of at least 1", "--ntasks=2");
        yield return Case("CpusPerTaskZero", "#SBATCH -c0", "-c (--cpus-per-task)", "\"0\"", "--cpus-per-task=2");
        yield return Case("TasksPerNodeWord", "#SBATCH --ntasks-per-node=many", "--ntasks-per-node", "\"many\"", "--ntasks-per-node=2");
        yield return Case("MemoryUnknownUnit", "#SBATCH --mem=12Q", "--mem", "\"12Q\", which is not a memory size", "K, M (the default), G or T");
        yield return Case("MemoryKubernetesStyle", "#SBATCH --mem=1Gi", "--mem", "\"1Gi\"", "--mem=4G");
        yield return Case("MemoryFraction", "#SBATCH --mem=1.5G", "--mem", "\"1.5G\"", "whole number");
        yield return Case("MemoryNegative", "#SBATCH --mem=-1", "--mem", "\"-1\"", "whole number");
        yield return Case("MemoryTooLarge", "#SBATCH --mem=9999999999999999999G", "--mem", "not a memory size", "whole number");
        yield return Case("MemoryPerCpuBad", "#SBATCH --mem-per-cpu=lots", "--mem-per-cpu", "\"lots\"", "--mem-per-cpu=4G");
        yield return Case("MemoryOptionsMixed", "#SBATCH --mem=1G --mem-per-cpu=100", "--mem-per-cpu", "cannot be combined with --mem", "keep only one");
        yield return Case("TimeWord", "#SBATCH --time=xx", "--time", "\"xx\", which is not a Slurm time", "D-HH:MM:SS or UNLIMITED");
        yield return Case("TimeTooManyParts", "#SBATCH --time=1:2:3:4", "--time", "\"1:2:3:4\"", "HH:MM:SS");
        yield return Case("TimeTwoDashes", "#SBATCH -t 1-2-3", "-t (--time)", "\"1-2-3\"", "D-HH");
        yield return Case("TimeEmptyParts", "#SBATCH --time=::", "--time", "\"::\"", "MM:SS");
        yield return Case("ExclusiveUnknownValue", "#SBATCH --exclusive=node", "--exclusive", "\"node\", which sbatch refuses", "--exclusive=user");
        yield return Case("MinCpusZero", "#SBATCH --mincpus=0", "--mincpus", "\"0\", which is not a whole number of at least 1", "--mincpus=2"); // sbatch: Invalid numeric value
        yield return Case("GresTooManyParts", "#SBATCH --gres=gpu:a:b:2", "--gres", "not a GRES list", "--gres=gpu:a100:1");
        yield return Case("GresEmptyItem", "#SBATCH --gres=gpu:2,", "--gres", "not a GRES list", "name[:type][:count]");
        yield return Case("GpusWord", "#SBATCH --gpus=x", "--gpus", "\"x\", which is not a GPU count", "[type:]count");
        yield return Case("GpusPerTaskWord", "#SBATCH --gpus-per-task=x", "--gpus-per-task", "not a GPU count", "--gpus-per-task=a100:2");
        yield return Case("EscapedHashIsAWord", "#SBATCH -n 3 \\#x", "\"#x\"", "is not an option", "##SBATCH");   // sbatch: Invalid directive … #x
        yield return Case("StrayWord", "#SBATCH foo", "\"foo\"", "is not an option", "##SBATCH");        // sbatch: Invalid directive found in batch script: foo
        yield return Case("UnquotedSpaceInValue", "#SBATCH --job-name my job", "\"job\"", "is not an option", "quote a value");
        yield return Case("WordAfterFlag", "#SBATCH --exclusive foo", "\"foo\"", "is not an option", "##SBATCH"); // sbatch: Invalid directive … foo
        yield return Case("AfterDoubleDash", "#SBATCH -N2 -- -n3", "\"-n3\"", "is not an option", "##SBATCH");  // sbatch: Invalid directive … -n3
        yield return Case("UnmatchedQuote", "#SBATCH --job-name=\"abc -N2", "the quote \"", "never closed", "close it");
        yield return Case("Ambiguous", "#SBATCH --cpus=2", "--cpus", "--cpus-per-gpu, --cpus-per-task", "in full");  // sbatch: ambiguous
        yield return Case("AmbiguousNod", "#SBATCH --nod=2", "--nod", "--nodefile, --nodelist, --nodes", "in full");
        yield return Case("FlagWithValue", "#SBATCH --hold=1", "--hold", "takes no value", "as --hold");
        yield return Case("MissingValue", "#SBATCH -N", "-N (--nodes)", "needs a value", "-N VALUE");
        yield return Case("MissingLongValue", "#SBATCH --time", "--time", "needs a value", "--time=VALUE");
        yield return Case("HeterogeneousJob", "#SBATCH -N 2\n#SBATCH hetjob", "hetjob", "heterogeneous job", "its own SlurmJob");
    }

    [TestCaseSource(nameof(ErrorCases))]
    public void Parse_BadDirective_IsAnErrorQuotingTheLineOptionAndFix(string directives, string option, string problem, string fix)
    {
        var script = $"{Shebang}# set up\n{directives}\nsrun hostname\n";

        var result = SbatchScript.Parse(script);

        Assert.That(result.IsValid, Is.False, "the script was accepted");
        var error = result.Error!;
        var badLine = directives.Split('\n')[^1];
        Assert.Multiple(() =>
        {
            Assert.That(error.LineNumber, Is.EqualTo(2 + directives.Split('\n').Length));
            Assert.That(error.Line, Is.EqualTo(badLine));
            Assert.That(error.Option, Is.EqualTo(option));
            Assert.That(error.Message, Does.Contain($"line {error.LineNumber} of the batch script ({badLine})"));
            Assert.That(error.Message, Does.Contain(option));
            Assert.That(error.Message, Does.Contain(problem));
            Assert.That(error.Message, Does.Contain(fix));
        });
    }

    [Test]
    public void Parse_DosLineBreaks_AreRefusedAsSbatchRefusesThem()
    {
        var result = SbatchScript.Parse("#!/bin/sh\n#SBATCH -N 2\nhostname\r\necho\n");

        Assert.That(result.IsValid, Is.False);
        Assert.That(result.Error!.LineNumber, Is.EqualTo(3));
        Assert.That(result.Error.Message, Is.EqualTo(
            "line 3 of the batch script (hostname): the line break \\r\\n is a DOS line break, which sbatch refuses; " +
            "save the script with UNIX line breaks (\\n)"));
    }

    [Test]
    public void Parse_BadDirectiveAfterFirstCommand_IsIgnoredAsSbatchDoes()
    {
        var result = SbatchScript.Parse($"{Shebang}#SBATCH -n 2\nhostname\n#SBATCH --nodes=abc\n");

        Assert.That(result.IsValid, Is.True);
        Assert.That(result.Directives!.Tasks, Is.EqualTo(2));
    }

    [Test]
    public void Parse_Error_MessageReadsAsOneSentence()
    {
        var result = SbatchScript.Parse($"{Shebang}#SBATCH --nodes=abc\n");

        Assert.That(result.Error!.Message, Is.EqualTo(
            "line 2 of the batch script (#SBATCH --nodes=abc): --nodes has \"abc\", which is not a node count; " +
            "write a count such as --nodes=2 or a range such as --nodes=2-4"));
    }

    /// <summary>A canonical one-line description of what was given, so a failing case shows the whole difference.</summary>
    internal static string Describe(SbatchDirectives d)
    {
        var parts = new List<string>();
        void Add(string key, object? value)
        {
            if (value is not null)
            {
                parts.Add($"{key}={Convert.ToString(value, CultureInfo.InvariantCulture)}");
            }
        }
        Add("nodes", d.MinNodes is { } min ? (d.MaxNodes is { } max ? $"{min}-{max}" : $"{min}") : null);
        Add("tasks", d.Tasks);
        Add("tpn", d.TasksPerNode);
        Add("cpt", d.CpusPerTask);
        Add("mem", d.MemoryPerNodeMiB);
        Add("mempercpu", d.MemoryPerCpuMiB);
        Add("mempergpu", d.MemoryPerGpuMiB);
        Add("gres", d.GresPerNode.Count == 0 ? null : string.Join(',', d.GresPerNode.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}:{g.Value}")));
        Add("gpus", d.Gpus);
        Add("gpn", d.GpusPerNode);
        Add("gpt", d.GpusPerTask);
        Add("sharing", d.Sharing);
        Add("mincpus", d.MinCpusPerNode);
        if (d.Overcommit)
        {
            parts.Add("overcommit");
        }
        Add("partition", d.Partition);
        Add("time", d.TimeLimit);
        Add("array", d.Array);
        return string.Join(' ', parts);
    }
}
