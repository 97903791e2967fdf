using System.Text;

namespace SlurmK8s.Slurm.Sbatch;

/// <summary>
/// Splits a batch script's directive block into arguments the way sbatch 22.05 does: only lines that begin with
/// <c>#SBATCH</c> (in column 1) before the first command; blank lines and other comments (<c>##SBATCH</c>,
/// <c>  #SBATCH</c>, <c># SBATCH</c>, the shebang) are skipped; the first other line ends the block.
/// Within a line: whitespace separates arguments, single and double quotes group, a backslash takes the next
/// character literally (but never joins across whitespace), an unquoted <c>#</c> starts a comment, and an empty
/// argument (<c>""</c>) ends the line. sbatch refuses a script with DOS line breaks anywhere in it.
/// </summary>
internal static class SbatchTokenizer
{
    private const string MagicWord = "#SBATCH";

    /// <summary>Appends the arguments of every directive line to <paramref name="tokens"/>; an unmatched quote is an error.</summary>
    public static SbatchDirectiveError? Tokenize(string script, List<SbatchToken> tokens)
    {
        var crlf = script.IndexOf("\r\n", StringComparison.Ordinal);
        if (crlf >= 0)
        {
            var number = script.AsSpan(0, crlf).Count('\n') + 1;
            return new SbatchDirectiveError(number, script.Split('\n')[number - 1].TrimEnd('\r'), "the line break \\r\\n",
                "is a DOS line break, which sbatch refuses", "save the script with UNIX line breaks (\\n)");
        }
        var lineNumber = 0;
        foreach (var line in script.Split('\n'))
        {
            lineNumber++;
            if (!line.StartsWith(MagicWord, StringComparison.Ordinal))
            {
                if (IsCommand(line))
                {
                    break;
                }
                continue;
            }
            var error = SplitArguments(line, lineNumber, tokens);
            if (error is not null)
            {
                return error;
            }
        }
        return null;
    }

    /// <summary>sbatch's test: the first non-blank character exists and is not '#'.</summary>
    private static bool IsCommand(string line)
    {
        foreach (var c in line)
        {
            if (!IsSpace(c))
            {
                return c != '#';
            }
        }
        return false;
    }

    private static SbatchDirectiveError? SplitArguments(string line, int lineNumber, List<SbatchToken> tokens)
    {
        var position = MagicWord.Length;
        var argument = new StringBuilder();
        while (true)
        {
            while (position < line.Length && IsSpace(line[position]))
            {
                position++;
            }
            if (position >= line.Length || line[position] == '#')
            {
                return null;
            }
            argument.Clear();
            var quote = '\0';
            var escaped = false;
            for (; position < line.Length && (quote != '\0' || !IsSpace(line[position])); position++)
            {
                var c = line[position];
                if (escaped)
                {
                    escaped = false;
                }
                else if (c == '\\')
                {
                    escaped = true;
                    continue;
                }
                else if (quote != '\0')
                {
                    if (c == quote)
                    {
                        quote = '\0';
                        continue;
                    }
                }
                else if (c is '"' or '\'')
                {
                    quote = c;
                    continue;
                }
                else if (c == '#')
                {
                    break;
                }
                argument.Append(c);
            }
            if (argument.Length == 0 && quote == '\0')
            {
                return null; // sbatch stops reading the line at an empty argument
            }
            if (quote != '\0')
            {
                return new SbatchDirectiveError(lineNumber, line, $"the quote {quote}", "is never closed",
                    $"close it (or escape it as \\{quote})");
            }
            tokens.Add(new SbatchToken(argument.ToString(), lineNumber, line));
            if (position < line.Length && line[position] == '#')
            {
                return null;
            }
        }
    }

    /// <summary>C's isspace: the script comes from a file, so '\r' of a CRLF line is blank too.</summary>
    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
}
