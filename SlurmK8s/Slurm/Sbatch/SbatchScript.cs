namespace SlurmK8s.Slurm.Sbatch;

/// <summary>
/// Reads the <c>#SBATCH</c> directives of a batch script as sbatch 22.05 does (see <see cref="SbatchTokenizer"/> for which
/// lines count and how they split). Options are read like getopt_long: <c>--opt=value</c>, <c>--opt value</c>,
/// <c>-N2</c>, <c>-N 2</c>, flag clusters (<c>-HN2</c>), unique abbreviations (<c>--partit=debug</c>); the last
/// occurrence wins. Options sbatch has but we do not map, and options sbatch 22.05 does not know, are ignored; a value
/// we map that sbatch would refuse is an error naming the line, the option and the fix.
/// </summary>
internal static class SbatchScript
{
    public static SbatchParseResult Parse(string script)
    {
        var tokens = new List<SbatchToken>();
        if (SbatchTokenizer.Tokenize(script, tokens) is { } tokenError)
        {
            return SbatchParseResult.Invalid(tokenError);
        }
        var reader = new Reader();
        var error = reader.Read(tokens);
        return error is null ? SbatchParseResult.Valid(reader.Directives) : SbatchParseResult.Invalid(error);
    }

    private sealed class Reader
    {
        private SbatchToken? _memoryOption;
        private string? _memoryOptionName;

        public SbatchDirectives Directives { get; private set; } = SbatchDirectives.None;

        public SbatchDirectiveError? Read(List<SbatchToken> tokens)
        {
            var endOfOptions = false;
            for (var i = 0; i < tokens.Count; i++)
            {
                var token = tokens[i];
                var text = token.Text;
                SbatchDirectiveError? error;
                if (text.Equals("hetjob", StringComparison.OrdinalIgnoreCase) || text.Equals("packjob", StringComparison.OrdinalIgnoreCase))
                {
                    error = Fail(token, text, "starts another component of a heterogeneous job, which cannot be requested as one pod",
                        "submit each component as its own SlurmJob");
                }
                else if (endOfOptions || text.Length < 2 || text[0] != '-')
                {
                    error = Fail(token, $"\"{text}\"", "is not an option (sbatch refuses it as an invalid directive)",
                        "start each option with - or --, quote a value that holds spaces, or turn the line into a comment with ##SBATCH");
                }
                else if (text == "--")
                {
                    endOfOptions = true;
                    continue;
                }
                else if (text.StartsWith("--", StringComparison.Ordinal))
                {
                    error = ReadLong(tokens, ref i);
                }
                else
                {
                    error = ReadShortCluster(tokens, ref i);
                }
                if (error is not null)
                {
                    return error;
                }
            }
            return null;
        }

        private SbatchDirectiveError? ReadLong(List<SbatchToken> tokens, ref int index)
        {
            var token = tokens[index];
            var body = token.Text[2..];
            var equals = body.IndexOf('=', StringComparison.Ordinal);
            var written = equals >= 0 ? body[..equals] : body;
            var attached = equals >= 0 ? body[(equals + 1)..] : null;
            var name = SbatchOptions.Resolve(written, out var candidates);
            if (name is null)
            {
                if (candidates.Count > 1)
                {
                    return Fail(token, $"--{written}", $"is ambiguous (sbatch cannot tell {string.Join(", ", candidates.Select(c => "--" + c))} apart)",
                        "write the option in full");
                }
                // Unknown to sbatch 22.05 (a newer option, say): skip it and, without '=', the value that follows it.
                if (attached is null && index + 1 < tokens.Count && !tokens[index + 1].Text.StartsWith('-'))
                {
                    index++;
                }
                return null;
            }
            var display = $"--{name}";
            switch (SbatchOptions.Long[name])
            {
                case SbatchArity.None when attached is not null:
                    return Fail(token, display, "takes no value", $"write it alone, as {display}");
                case SbatchArity.Required when attached is null:
                    if (index + 1 >= tokens.Count)
                    {
                        return Fail(token, display, "needs a value", $"write it as {display}=VALUE");
                    }
                    attached = tokens[++index].Text;
                    break;
            }
            return Apply(token, name, display, attached);
        }

        private SbatchDirectiveError? ReadShortCluster(List<SbatchToken> tokens, ref int index)
        {
            var token = tokens[index];
            var text = token.Text;
            for (var position = 1; position < text.Length; position++)
            {
                var letter = text[position];
                var rest = text[(position + 1)..];
                if (!SbatchOptions.Short.TryGetValue(letter, out var name))
                {
                    // Unknown to sbatch 22.05: skip it and its value, attached or next.
                    if (rest.Length == 0 && index + 1 < tokens.Count && !tokens[index + 1].Text.StartsWith('-'))
                    {
                        index++;
                    }
                    return null;
                }
                var display = $"-{letter} (--{name})";
                switch (SbatchOptions.Long[name])
                {
                    case SbatchArity.None:
                        if (Apply(token, name, display, null) is { } flagError)
                        {
                            return flagError;
                        }
                        continue;
                    case SbatchArity.Optional:
                        return Apply(token, name, display, rest.Length > 0 ? rest : null);
                    default:
                        if (rest.Length > 0)
                        {
                            return Apply(token, name, display, rest);
                        }
                        if (index + 1 >= tokens.Count)
                        {
                            return Fail(token, display, "needs a value", $"write it as -{letter} VALUE");
                        }
                        return Apply(token, name, display, tokens[++index].Text);
                }
            }
            return null;
        }

        /// <summary>Records the options we map; the value of any other option is sbatch's business.</summary>
        private SbatchDirectiveError? Apply(SbatchToken token, string name, string display, string? value)
        {
            var d = Directives;
            switch (name)
            {
                case "nodes":
                    if (!SbatchValues.TryParseNodeRange(value!, out var min, out var max))
                    {
                        return Fail(token, display, $"has \"{value}\", which is not a node count",
                            "write a count such as --nodes=2 or a range such as --nodes=2-4");
                    }
                    if (min < 1)
                    {
                        return Fail(token, display, "asks for 0 nodes", "ask for at least one node, e.g. --nodes=1");
                    }
                    if (max < min)
                    {
                        return Fail(token, display, $"has \"{value}\", whose maximum is below its minimum",
                            "write the smaller count first, e.g. --nodes=2-4");
                    }
                    Directives = d with { MinNodes = min, MaxNodes = max };
                    return null;
                case "ntasks" or "ntasks-per-node" or "cpus-per-task":
                    if (!SbatchValues.TryParsePositive(value!, out var count))
                    {
                        return Fail(token, display, $"has \"{value}\", which is not a whole number of at least 1",
                            $"write e.g. --{name}=2");
                    }
                    Directives = name switch
                    {
                        "ntasks" => d with { Tasks = count },
                        "ntasks-per-node" => d with { TasksPerNode = count },
                        _ => d with { CpusPerTask = count },
                    };
                    return null;
                case "mem" or "mem-per-cpu" or "mem-per-gpu":
                    if (!SbatchValues.TryParseMemoryMiB(value!, out var mebibytes))
                    {
                        return Fail(token, display, $"has \"{value}\", which is not a memory size",
                            $"write a whole number with an optional unit K, M (the default), G or T, e.g. --{name}=4G");
                    }
                    if (_memoryOptionName is { } other && other != name)
                    {
                        return Fail(token, display, $"cannot be combined with --{other} (line {_memoryOption!.Value.LineNumber}): sbatch holds them mutually exclusive",
                            "keep only one of --mem, --mem-per-cpu and --mem-per-gpu");
                    }
                    (_memoryOption, _memoryOptionName) = (token, name);
                    Directives = name switch
                    {
                        "mem" => d with { MemoryPerNodeMiB = mebibytes },
                        "mem-per-cpu" => d with { MemoryPerCpuMiB = mebibytes },
                        _ => d with { MemoryPerGpuMiB = mebibytes },
                    };
                    return null;
                case "gres":
                    if (!Gres.TryParseList(value!, out var gres))
                    {
                        return Fail(token, display, $"has \"{value}\", which is not a GRES list",
                            "write name[:type][:count] items separated by commas, e.g. --gres=gpu:2 or --gres=gpu:a100:1");
                    }
                    Directives = d with { GresPerNode = gres };
                    return null;
                case "gpus" or "gpus-per-node" or "gpus-per-task":
                    if (!SbatchValues.TryParseGpuCount(value!, out var gpus))
                    {
                        return Fail(token, display, $"has \"{value}\", which is not a GPU count",
                            $"write [type:]count, e.g. --{name}=2 or --{name}=a100:2");
                    }
                    Directives = name switch
                    {
                        "gpus" => d with { Gpus = gpus },
                        "gpus-per-node" => d with { GpusPerNode = gpus },
                        _ => d with { GpusPerTask = gpus },
                    };
                    return null;
                case "exclusive":
                    SbatchSharing? sharing = value switch
                    {
                        null or "" => SbatchSharing.Exclusive,
                        _ when value.Equals("user", StringComparison.OrdinalIgnoreCase) => SbatchSharing.ExclusiveUser,
                        _ when value.Equals("mcs", StringComparison.OrdinalIgnoreCase) => SbatchSharing.ExclusiveMcs,
                        _ => null,
                    };
                    if (sharing is null)
                    {
                        return Fail(token, display, $"has \"{value}\", which sbatch refuses (Invalid --exclusive specification)",
                            "write --exclusive alone, --exclusive=user or --exclusive=mcs");
                    }
                    Directives = d with { Sharing = sharing };
                    return null;
                case "oversubscribe":
                    Directives = d with { Sharing = SbatchSharing.OverSubscribe };
                    return null;
                case "overcommit":
                    Directives = d with { Overcommit = true };
                    return null;
                case "mincpus":
                    if (!SbatchValues.TryParsePositive(value!, out var minCpus))
                    {
                        return Fail(token, display, $"has \"{value}\", which is not a whole number of at least 1",
                            "write e.g. --mincpus=2");
                    }
                    Directives = d with { MinCpusPerNode = minCpus };
                    return null;
                case "partition":
                    // sbatch takes an empty value as "not given".
                    Directives = d with { Partition = string.IsNullOrEmpty(value) ? null : value };
                    return null;
                case "account":
                    Directives = d with { Account = string.IsNullOrEmpty(value) ? null : value };
                    return null;
                case "qos":
                    Directives = d with { Qos = string.IsNullOrEmpty(value) ? null : value };
                    return null;
                case "time":
                    if (!SbatchValues.TryParseTimeLimit(value!, out var limit))
                    {
                        return Fail(token, display, $"has \"{value}\", which is not a Slurm time",
                            "write minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED, e.g. --time=1:30:00");
                    }
                    Directives = d with { TimeLimit = limit };
                    return null;
                case "array":
                    Directives = d with { Array = string.IsNullOrEmpty(value) ? null : value };
                    return null;
                default:
                    return null;
            }
        }

        private static SbatchDirectiveError Fail(SbatchToken token, string option, string problem, string fix) =>
            new(token.LineNumber, token.Line, option, problem, fix);
    }
}
