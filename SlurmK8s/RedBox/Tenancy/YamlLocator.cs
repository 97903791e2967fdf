using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SlurmK8s.RedBox.Tenancy;

/// <summary>
/// Finds where a field is in a YAML text, and which field a position is in. The static deserializer keeps no
/// positions, so an error found after deserializing looks its line up here. Reads the parser's events (no reflection,
/// and unlike the representation model it does not stop at a repeated key). Field paths read
/// `tenants[1].namespaces[0].namespace`, indexes from 0; only the first document counts.
/// </summary>
internal static class YamlLocator
{
    /// <summary>The line of <paramref name="field"/>, or of the nearest enclosing field the text has (a missing key: its map's line).</summary>
    public static long? LineOf(string yaml, string field)
    {
        var nodes = Nodes(yaml);
        for (var candidate = field; ; candidate = Parent(candidate))
        {
            var index = nodes.FindIndex(n => n.Path == candidate);
            if (index >= 0)
            {
                return nodes[index].Start.Line;
            }
            if (candidate.Length == 0)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// The path of the field at <paramref name="mark"/>: that of the last node starting at or before it. Where several
    /// start there (a map and its first key), <paramref name="innermost"/> picks the key (for an error about a key)
    /// rather than the field holding the map (for an error about a value's shape). Null at the top level.
    /// </summary>
    public static string? FieldAt(string yaml, Mark mark, bool innermost)
    {
        var nodes = Nodes(yaml);
        var last = nodes.FindLastIndex(n => NotAfter(n.Start, mark));
        if (last < 0)
        {
            return null;
        }
        var chosen = innermost ? nodes[last] : nodes.First(n => n.Start.Line == nodes[last].Start.Line && n.Start.Column == nodes[last].Start.Column);
        return chosen.Path.Length == 0 ? null : chosen.Path;
    }

    /// <summary>Every node of the first document in order, keys included (a key and its value share a path); as far as the text parses.</summary>
    private static List<(string Path, Mark Start)> Nodes(string yaml)
    {
        var nodes = new List<(string Path, Mark Start)>();
        var open = new Stack<Container>();
        var parser = new Parser(new StringReader(yaml));
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case NodeEvent node:
                        var path = open.TryPeek(out var parent) ? parent.PathOfNext(node) : "";
                        nodes.Add((path, node.Start));
                        if (node is MappingStart or SequenceStart)
                        {
                            open.Push(new Container(path, node is MappingStart));
                        }
                        break;
                    case MappingEnd or SequenceEnd:
                        open.Pop();
                        break;
                    case DocumentEnd:
                        return nodes;
                }
            }
        }
        catch (YamlException)
        {
            // Malformed from here on: what came before still locates fields.
        }
        return nodes;
    }

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut < 0 ? "" : path[..cut];
    }

    private static bool NotAfter(Mark a, Mark b) => a.Line < b.Line || (a.Line == b.Line && a.Column <= b.Column);

    /// <summary>An open map (alternating key, value) or list (counting items) and its path.</summary>
    private sealed class Container(string path, bool isMap)
    {
        private bool _valueNext;
        private string _key = "";
        private int _items;

        public string PathOfNext(NodeEvent node)
        {
            if (!isMap)
            {
                return $"{path}[{_items++}]";
            }
            if (!_valueNext)
            {
                _key = node is Scalar { Value: var key } ? key : "?";
            }
            _valueNext = !_valueNext;
            return path.Length == 0 ? _key : $"{path}.{_key}";
        }
    }
}
