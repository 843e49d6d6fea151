using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Policies;
using DecideRequest = SessionPolicy.V1.DecideRequest;
using SessionPolicy.Mapping;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SessionPolicy.Cli.Cases;

/// <summary>
/// Reads a policy test file. Each case's <c>request</c> is a <c>DecideRequest</c> in the protobuf JSON
/// shape, the same a gRPC client sends; <c>expect</c> names the parts of the decision to check.
/// Every problem is collected with its line.
/// </summary>
internal static class CaseFileReader
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    public static (List<PolicyTestCase> Cases, List<string> Errors) Read(string yaml)
    {
        var cases = new List<PolicyTestCase>();
        var errors = new List<string>();
        YamlNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : new YamlMappingNode();
        }
        catch (YamlException ex)
        {
            errors.Add($"{ex.Start.Line}:{ex.Start.Column}: YAML syntax: {ex.Message}");
            return (cases, errors);
        }
        if (root is not YamlMappingNode top || !top.Children.TryGetValue("cases", out var list) || list is not YamlSequenceNode items || items.Children.Count == 0)
        {
            errors.Add($"{root.Start.Line}:{root.Start.Column}: expected a mapping with a non-empty list 'cases'");
            return (cases, errors);
        }
        for (var i = 0; i < items.Children.Count; i++)
        {
            if (ReadCase(items.Children[i], i, errors) is { } c) cases.Add(c);
        }
        return (cases, errors);
    }

    private static PolicyTestCase? ReadCase(YamlNode node, int index, List<string> errors)
    {
        var at = $"{node.Start.Line}:{node.Start.Column}";
        if (node is not YamlMappingNode map)
        {
            errors.Add($"{at}: cases[{index}] must be a mapping with name, request and expect");
            return null;
        }
        var name = Scalar(map, "name") ?? $"cases[{index}]";
        if (!map.Children.TryGetValue("request", out var requestNode) || !map.Children.TryGetValue("expect", out var expectNode))
        {
            errors.Add($"{at}: {name}: needs both 'request' and 'expect'");
            return null;
        }

        DecideRequest request;
        try
        {
            request = Parser.Parse<DecideRequest>(ToJson(requestNode)?.ToJsonString() ?? "{}");
        }
        catch (InvalidProtocolBufferException ex)
        {
            errors.Add($"{requestNode.Start.Line}:{requestNode.Start.Column}: {name}: request: {ex.Message}");
            return null;
        }
        var violations = new FieldViolations();
        // A case states its own times (authenticated_at, at) freely: it is a file, not a caller.
        var session = SessionRequestReader.Read(request.Principal, request.Role, request.Context, null, violations);
        if (session is null)
        {
            errors.Add($"{requestNode.Start.Line}:{requestNode.Start.Column}: {name}: request: {violations.Describe()}");
            return null;
        }
        DateTimeOffset? when = null;
        if (map.Children.TryGetValue("at", out var atNode))
        {
            if (atNode is YamlScalarNode { Value: { } text } && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.None, out var parsed) && text.Contains('T')) when = parsed;
            else
            {
                errors.Add($"{atNode.Start.Line}:{atNode.Start.Column}: {name}: at must be an RFC 3339 time with its offset, e.g. 2026-03-29T09:30:00+02:00");
                return null;
            }
        }
        var expect = ReadExpectation(expectNode, name, errors);
        return expect is null ? null : new PolicyTestCase(name, (int)node.Start.Line, session, expect, when);
    }

    private static Expectation? ReadExpectation(YamlNode node, string name, List<string> errors)
    {
        var count = errors.Count;
        void Bad(YamlNode n, string message) => errors.Add($"{n.Start.Line}:{n.Start.Column}: {name}: expect.{message}");
        if (node is not YamlMappingNode map)
        {
            Bad(node, " must be a mapping");
            return null;
        }
        var expect = new Expectation();
        foreach (var (keyNode, value) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var text = (value as YamlScalarNode)?.Value ?? "";
            switch (key)
            {
                case "outcome" when Enum.TryParse<Outcome>(Pascal(text), true, out var o) && Enum.IsDefined(o):
                    expect = expect with { Outcome = o };
                    break;
                case "binding" when Enum.TryParse<Constraint>(Pascal(text), true, out var b) && Enum.IsDefined(b):
                    expect = expect with { Binding = b };
                    break;
                case "max_session" when DurationText.TryParse(text, out var s):
                    expect = expect with { MaxSessionSeconds = s };
                    break;
                case "idle_timeout" when text == "none" || DurationText.TryParse(text, out _):
                    expect = expect with { IdleTimeoutSeconds = text == "none" ? 0 : DurationText.TryParse(text, out var idle) ? idle : 0 };
                    break;
                case "profile" when text.Length > 0:
                    expect = expect with { Profile = text };
                    break;
                case "guardrails" when value is YamlSequenceNode seq:
                    expect = expect with { Guardrails = [.. seq.Children.Select(c => (c as YamlScalarNode)?.Value ?? "")] };
                    break;
                case "outcome" or "binding" or "max_session" or "idle_timeout" or "profile" or "guardrails":
                    Bad(value, $"{key}: '{text}' is not a valid value");
                    break;
                default:
                    Bad(keyNode, $"{key}: unknown key; expected outcome, max_session, idle_timeout, profile, guardrails or binding");
                    break;
            }
        }
        return errors.Count == count ? expect : null;
    }

    /// <summary>YAML to JSON for the protobuf parser: plain true/false are booleans, every other scalar a string.</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value ?? "", ToJson(p.Value)))),
        YamlSequenceNode s => new JsonArray([.. s.Children.Select(ToJson)]),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } b => JsonValue.Create(b.Value == "true"),
        YamlScalarNode v => JsonValue.Create(v.Value),
        _ => null,
    };

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(key, out var n) && n is YamlScalarNode { Value: { Length: > 0 } v } ? v : null;

    /// <summary>role_chaining to RoleChaining.</summary>
    private static string Pascal(string snake) =>
        string.Concat(snake.Split('_', '-').Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..]));

    /// <summary>RoleChaining to role_chaining.</summary>
    public static string Snake(string pascal)
    {
        var sb = new StringBuilder();
        foreach (var c in pascal)
        {
            if (char.IsUpper(c) && sb.Length > 0) sb.Append('_');
            sb.Append(char.ToLower(c, CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
