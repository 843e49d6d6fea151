using System.Security.Cryptography;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using SessionPolicy.Core.Evaluation;

namespace SessionPolicy.Core.Policies;

/// <summary>
/// Reads a policy file: parses the YAML, reads every element into the model, then validates the whole.
/// Every problem is reported with its line and column; a policy with any error yields no document.
/// </summary>
public static class PolicyParser
{
    /// <summary>The only policy format version this build reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Largest policy file accepted, in bytes.</summary>
    public const int MaxBytes = PolicyLimits.MaxBytes;

    /// <summary>The version of a policy: a hash of its exact bytes, so equal files have equal versions.</summary>
    public static string ComputeVersion(ReadOnlySpan<byte> content) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content))[..16];

    /// <summary>Parses and validates policy text.</summary>
    public static PolicyLoadResult Parse(string text, IReadOnlyDictionary<string, int>? roleMaximums = null, CancellationToken cancellation = default) =>
        Parse(Encoding.UTF8.GetBytes(text), roleMaximums, cancellation);

    /// <summary>
    /// Parses and validates policy bytes (UTF-8). With <paramref name="roleMaximums"/> (role ARN to its
    /// MaxSessionDuration in seconds, e.g. from <c>aws iam list-roles</c>), profiles longer than a role they
    /// match allows are warned about. Reading stops with an error when the file exceeds <see cref="PolicyLimits"/>:
    /// its size, nesting, node count, an alias, or the time budget for reading its YAML (<see cref="PolicyLimits.TimeBudget"/>,
    /// or <paramref name="cancellation"/> when it is cancelled sooner; the checks after it are bounded by the rule counts).
    /// </summary>
    public static PolicyLoadResult Parse(ReadOnlySpan<byte> content, IReadOnlyDictionary<string, int>? roleMaximums = null, CancellationToken cancellation = default)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        budget.CancelAfter(PolicyLimits.TimeBudget);
        try
        {
            return Read(content, roleMaximums, budget.Token);
        }
        catch (OperationCanceledException)
        {
            return new PolicyLoadResult(null, ComputeVersion(content),
                [new PolicyProblem(ProblemSeverity.Error, 1, 1, "", $"reading the policy took longer than {PolicyLimits.TimeBudget.TotalSeconds:0}s; it was not loaded")]);
        }
    }

    private static PolicyLoadResult Read(ReadOnlySpan<byte> content, IReadOnlyDictionary<string, int>? roleMaximums, CancellationToken cancellation)
    {
        var version = ComputeVersion(content);
        if (content.Length > MaxBytes)
        {
            return new PolicyLoadResult(null, version, [new PolicyProblem(ProblemSeverity.Error, 1, 1, "", $"policy is larger than {MaxBytes} bytes")]);
        }
        var reader = new YamlNodeReader();
        YamlNode? root;
        var parser = new GuardedParser(new Parser(new StringReader(Encoding.UTF8.GetString(content))), cancellation);
        try
        {
            var stream = new YamlStream();
            stream.Load(parser);
            root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
            if (stream.Documents.Count > 1)
            {
                reader.Error(stream.Documents[1].RootNode, "", "a policy file holds one YAML document");
            }
        }
        catch (PolicyLimitException ex)
        {
            return new PolicyLoadResult(null, version, [new PolicyProblem(ProblemSeverity.Error, (int)ex.Mark.Line, (int)ex.Mark.Column, "", $"policy refused: {ex.Message}")]);
        }
        catch (YamlException ex)
        {
            var message = ex.InnerException is { } inner ? $"{ex.Message.TrimEnd('.')}: {inner.Message}" : ex.Message;
            return new PolicyLoadResult(null, version,
                [new PolicyProblem(ProblemSeverity.Error, (int)ex.Start.Line, (int)ex.Start.Column, "", $"YAML syntax: {StripMark(message)}")]);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet gives up this way on some unterminated constructs; report where reading stopped.
            var at = parser.LastMark;
            return new PolicyLoadResult(null, version,
                [new PolicyProblem(ProblemSeverity.Error, (int)at.Line, (int)at.Column, "", "YAML syntax: unexpected end of the document (an unclosed bracket, brace or quote?)")]);
        }
        if (root is null)
        {
            return new PolicyLoadResult(null, version, [new PolicyProblem(ProblemSeverity.Error, 1, 1, "", "policy is empty")]);
        }

        var document = new PolicyDocumentReader(reader).Read(root);
        if (document is not null)
        {
            PolicyValidator.Validate(document, reader, roleMaximums);
        }
        var problems = reader.Problems.OrderBy(p => p.Line).ThenBy(p => p.Column).ToList();
        var valid = document is not null && problems.All(p => p.Severity != ProblemSeverity.Error);
        return new PolicyLoadResult(valid ? document : null, version, problems);
    }

    /// <summary>YamlDotNet puts "(Line: 3, Col: 4, ...)" in front of its messages; the problem has its own location.</summary>
    private static string StripMark(string message)
    {
        var close = message.StartsWith("(Line:", StringComparison.Ordinal) ? message.IndexOf("): ", StringComparison.Ordinal) : -1;
        return close < 0 ? message : message[(close + 3)..];
    }
}
