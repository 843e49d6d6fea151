using System.Text;
using SessionPolicy.Core.Policies;

namespace SessionPolicy.Core.Tests.Hostile;

/// <summary>A policy file is untrusted input: whatever it holds, reading it ends with a result, bounded in stack, memory and time.</summary>
public sealed class PolicyLimitsTests
{
    private const string Head = "version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\n";

    private static PolicyProblem OnlyError(PolicyLoadResult result)
    {
        Assert.Null(result.Policy);
        return Assert.Single(result.Errors);
    }

    [Theory]
    [InlineData(33)]
    [InlineData(30_000)]
    public void DeepNesting_IsRefused_WithoutExhaustingTheStack(int depth)
    {
        // 30,000 levels in flow style is the 60 KB file that overflowed the stack.
        var yaml = Head + "extra: " + new string('[', depth) + new string(']', depth) + "\n";

        var error = OnlyError(PolicyParser.Parse(yaml));

        Assert.Contains($"nested deeper than {PolicyLimits.MaxDepth} levels", error.Message);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void NestingAtTheLimit_IsReadAsUsual()
    {
        // Thirty-one levels below the document's mapping: allowed, and then refused as an unknown key, not as a limit.
        var yaml = Head + "extra: " + new string('[', PolicyLimits.MaxDepth - 1) + new string(']', PolicyLimits.MaxDepth - 1) + "\n";

        var result = PolicyParser.Parse(yaml);

        Assert.DoesNotContain(result.Errors, e => e.Message.Contains("nested deeper", StringComparison.Ordinal));
    }

    [Fact]
    public void AliasBomb_UsedAsMappingKeys_IsRefusedAtOnce()
    {
        // The 594-byte file that wedged reloading: each level an alias of the one before, used as a mapping key.
        var yaml = new StringBuilder(Head + "a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i <= 10; i++) yaml.Append($"a{i}: &a{i} {{ ? *a{i - 1} : [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}] }}\n");

        var error = OnlyError(PolicyParser.Parse(yaml.ToString()));

        Assert.Contains("aliases", error.Message);
        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void AnyAlias_IsRefused_WithWhereItIs()
    {
        var yaml = Head + "profiles:\n  - &p { name: a, match: { principal: { type: human } }, max_session: 1h, idle_timeout: 15m }\n  - *p\n";

        var error = OnlyError(PolicyParser.Parse(yaml));

        Assert.Equal((5, "policy refused: YAML aliases (*name) are not allowed in a policy file; write the value out"), (error.Line, error.Message));
    }

    [Fact]
    public void TooManyNodes_AreRefused()
    {
        var yaml = Head + "extra: [" + string.Join(",", Enumerable.Repeat("1", PolicyLimits.MaxNodes)) + "]\n";

        var error = OnlyError(PolicyParser.Parse(yaml));

        Assert.Contains($"more than {PolicyLimits.MaxNodes} YAML nodes", error.Message);
    }

    [Fact]
    public void SpentTimeBudget_EndsReadingWithAnError()
    {
        using var spent = new CancellationTokenSource();
        spent.Cancel();
        var yaml = Head + "profiles:\n" + string.Concat(Enumerable.Range(0, 200).Select(i => $"  - {{ name: p{i}, match: {{ principal: {{ ids: [u{i}] }} }}, max_session: 1h, idle_timeout: 15m }}\n"));

        var error = OnlyError(PolicyParser.Parse(yaml, cancellation: spent.Token));

        Assert.Contains("took longer than", error.Message);
    }

    [Fact]
    public void TooLarge_IsRefusedBeforeParsing()
    {
        var yaml = Head + "# " + new string('x', PolicyLimits.MaxBytes) + "\n";

        var error = OnlyError(PolicyParser.Parse(yaml));

        Assert.Contains($"larger than {PolicyLimits.MaxBytes} bytes", error.Message);
    }
}
