using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace SessionPolicy.Core.Policies;

/// <summary>
/// Reads typed values out of a YAML node tree, recording a located problem for every value that does not
/// fit instead of stopping at the first, and remembering where each path was written.
/// </summary>
internal sealed class YamlNodeReader
{
    public List<PolicyProblem> Problems { get; } = [];

    /// <summary>Where each element was written, by path.</summary>
    public Dictionary<string, (int Line, int Column)> Locations { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether an error was recorded at <paramref name="path"/> or below it.</summary>
    public bool HasErrorAt(string path) => Problems.Any(p => p.Severity == ProblemSeverity.Error &&
        p.Path.StartsWith(path, StringComparison.Ordinal) && (p.Path.Length == path.Length || p.Path[path.Length] is '.' or '['));

    public void Error(YamlNode? node, string path, string message) => Add(ProblemSeverity.Error, node, path, message);

    public void Warning(string path, string message)
    {
        var (line, column) = Locations.TryGetValue(path, out var at) ? at : (1, 1);
        Problems.Add(new PolicyProblem(ProblemSeverity.Warning, line, column, path, message));
    }

    public void ErrorAt(string path, string message)
    {
        var (line, column) = Locations.TryGetValue(path, out var at) ? at : (1, 1);
        Problems.Add(new PolicyProblem(ProblemSeverity.Error, line, column, path, message));
    }

    private void Add(ProblemSeverity severity, YamlNode? node, string path, string message)
    {
        var line = node is null ? 1 : (int)node.Start.Line;
        var column = node is null ? 1 : (int)node.Start.Column;
        Problems.Add(new PolicyProblem(severity, line, column, path, message));
    }

    /// <summary>The mapping's entries by key, with an error for each key not in <paramref name="allowed"/>.</summary>
    public Dictionary<string, YamlNode>? Mapping(YamlNode node, string path, params string[] allowed)
    {
        Locations[path] = ((int)node.Start.Line, (int)node.Start.Column);
        if (node is not YamlMappingNode map)
        {
            Error(node, path, "must be a mapping");
            return null;
        }
        var entries = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var child = Join(path, key);
            if (Array.IndexOf(allowed, key) < 0)
            {
                Error(keyNode, child, $"unknown key '{key}'; expected one of: {string.Join(", ", allowed)}");
                continue;
            }
            Locations[child] = ((int)value.Start.Line, (int)value.Start.Column);
            entries[key] = value;
        }
        return entries;
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    public string? String(YamlNode node, string path, int maxLength = 256)
    {
        if (node is not YamlScalarNode { Value: { } value } || IsNull(node))
        {
            Error(node, path, "must be a string");
            return null;
        }
        if (value.Length == 0 || value.Length > maxLength)
        {
            Error(node, path, $"must be 1..{maxLength} characters");
            return null;
        }
        return value;
    }

    public int? Int(YamlNode node, string path, int min, int max)
    {
        if (node is YamlScalarNode { Value: { } text } && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            if (value >= min && value <= max) return value;
            Error(node, path, $"must be between {min} and {max}");
            return null;
        }
        Error(node, path, "must be a whole number");
        return null;
    }

    public bool? Bool(YamlNode node, string path)
    {
        if (node is YamlScalarNode { Value: "true" or "false" } scalar) return scalar.Value == "true";
        Error(node, path, "must be true or false");
        return null;
    }

    /// <summary>A duration such as 15m or 1h; with <paramref name="allowNone"/>, <c>none</c> reads as 0.</summary>
    public int? Duration(YamlNode node, string path, bool allowNone)
    {
        if (node is YamlScalarNode { Value: { } text })
        {
            if (allowNone && text == "none") return 0;
            if (DurationText.TryParse(text, out var seconds) && seconds > 0) return seconds;
        }
        Error(node, path, allowNone
            ? "must be a duration such as 5m, 1h or 1h30m, or 'none'"
            : "must be a positive duration such as 15m, 1h or 1h30m");
        return null;
    }

    public T? Enum<T>(YamlNode node, string path, IReadOnlyDictionary<string, T> values) where T : struct
    {
        if (node is YamlScalarNode { Value: { } text } && values.TryGetValue(text, out var value)) return value;
        Error(node, path, $"must be one of: {string.Join(", ", values.Keys)}");
        return null;
    }

    /// <summary>A non-empty list of items read by <paramref name="item"/>; a single scalar reads as a list of one.</summary>
    public T[]? List<T>(YamlNode node, string path, Func<YamlNode, string, T?> item, int maxItems = 1000) where T : class =>
        Items(node, path, (n, p) => item(n, p) is { } v ? (true, v) : (false, default!), maxItems);

    /// <summary>A non-empty list of values read by <paramref name="item"/>.</summary>
    public T[]? ValueList<T>(YamlNode node, string path, Func<YamlNode, string, T?> item, int maxItems = 1000) where T : struct =>
        Items(node, path, (n, p) => item(n, p) is { } v ? (true, v) : (false, default), maxItems);

    private T[]? Items<T>(YamlNode node, string path, Func<YamlNode, string, (bool Ok, T Value)> item, int maxItems)
    {
        IList<YamlNode> nodes = node switch
        {
            YamlSequenceNode seq => seq.Children,
            YamlScalarNode scalar when !IsNull(scalar) => [scalar],
            _ => [],
        };
        if (nodes.Count == 0 || nodes.Count > maxItems)
        {
            Error(node, path, $"must list 1..{maxItems} values");
            return null;
        }
        var result = new List<T>(nodes.Count);
        var ok = true;
        for (var i = 0; i < nodes.Count; i++)
        {
            var (itemOk, value) = item(nodes[i], $"{path}[{i}]");
            if (itemOk) result.Add(value);
            else ok = false;
        }
        return ok ? [.. result] : null;
    }

    /// <summary>A non-empty mapping of strings to strings.</summary>
    public KeyValuePair<string, string>[]? StringMap(YamlNode node, string path)
    {
        if (node is not YamlMappingNode map || map.Children.Count == 0)
        {
            Error(node, path, "must be a non-empty mapping of names to values");
            return null;
        }
        var result = new List<KeyValuePair<string, string>>();
        foreach (var (k, v) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value;
            if (string.IsNullOrEmpty(key) || v is not YamlScalarNode { Value: { } value })
            {
                Error(k, path, "keys and values must be strings");
                return null;
            }
            result.Add(new(key, value));
        }
        return [.. result];
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: "" or "~" or "null" or null };
}
