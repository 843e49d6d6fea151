using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SessionPolicy.Core.Policies;

/// <summary>
/// What a policy file may cost to read. A policy file is untrusted input: its size, nesting, number of
/// nodes and reading time are bounded, and YAML aliases are refused (an alias bomb expands exponentially,
/// and a policy never needs one), so nothing a file holds can exhaust the stack, memory or time of the
/// process that reads it.
/// </summary>
public static class PolicyLimits
{
    /// <summary>Largest policy file accepted, in bytes.</summary>
    public const int MaxBytes = 8 * 1024 * 1024;

    /// <summary>Deepest nesting of mappings and sequences (a policy needs about six).</summary>
    public const int MaxDepth = 32;

    /// <summary>Most YAML nodes (scalars, mappings, sequences) in a file: about 200 a rule for 2,500 rules.</summary>
    public const int MaxNodes = 500_000;

    /// <summary>Longest a policy's YAML may take to read (the largest file allowed reads in about a second).</summary>
    public static readonly TimeSpan TimeBudget = TimeSpan.FromSeconds(30);
}

/// <summary>A policy file that exceeds one of <see cref="PolicyLimits"/>, at <see cref="Mark"/>.</summary>
internal sealed class PolicyLimitException(Mark mark, string message) : Exception(message)
{
    public Mark Mark { get; } = mark;
}

/// <summary>
/// Reads YAML events for the model while enforcing <see cref="PolicyLimits"/> on them, before any node is
/// built: refuses aliases, too deep nesting and too many nodes, and stops when the time budget is spent.
/// Remembers where the last event ended, to locate errors YamlDotNet reports without a mark.
/// </summary>
internal sealed class GuardedParser(IParser inner, CancellationToken cancellation) : IParser
{
    private int _depth;
    private int _nodes;

    public Mark LastMark { get; private set; } = Mark.Empty;

    public ParsingEvent? Current => inner.Current;

    public bool MoveNext()
    {
        if (inner.Current is { } current) LastMark = current.End;
        if (!inner.MoveNext()) return false;
        var e = inner.Current!;
        switch (e)
        {
            case AnchorAlias:
                throw new PolicyLimitException(e.Start, "YAML aliases (*name) are not allowed in a policy file; write the value out");
            case MappingStart or SequenceStart when ++_depth > PolicyLimits.MaxDepth:
                throw new PolicyLimitException(e.Start, $"nested deeper than {PolicyLimits.MaxDepth} levels");
            case MappingEnd or SequenceEnd:
                _depth--;
                break;
        }
        if (e is NodeEvent && ++_nodes > PolicyLimits.MaxNodes)
        {
            throw new PolicyLimitException(e.Start, $"more than {PolicyLimits.MaxNodes} YAML nodes");
        }
        if ((_nodes & 1023) == 0) cancellation.ThrowIfCancellationRequested();
        return true;
    }
}
