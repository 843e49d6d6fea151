using System.Net;
using BenchmarkDotNet.Attributes;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Policies;

namespace SessionPolicy.Benchmarks;

/// <summary>Policy evaluation with a 1,000-rule policy: the target is a median at or under 1 µs and
/// nothing allocated beyond the decision itself.</summary>
[MemoryDiagnoser]
[MedianColumn]
public class EvaluateBenchmarks
{
    private PolicyEngine _engine = null!;
    private SessionRequest _person = null!;
    private SessionRequest _personWithGuardrails = null!;
    private SessionRequest _service = null!;

    [GlobalSetup]
    public void Setup()
    {
        var result = PolicyParser.Parse(LargePolicy.Yaml());
        if (result.Policy is null) throw new InvalidOperationException(string.Join("\n", result.Errors));
        _engine = new PolicyEngine(result.Policy, result.Version);
        RoleArn.TryParse("arn:aws:iam::123456789012:role/role-13", out var role, out _);
        _person = new SessionRequest
        {
            PrincipalId = "user-99999",
            PrincipalKind = PrincipalKind.Human,
            Groups = SessionRequest.NormalizeGroups(["eng", "ops", "group-4", "group-11", "group-600"]),
            Role = role!,
            Environment = "production",
            SourceIp = IPAddress.Parse("10.1.2.3"),
            Channel = ChannelKind.Web,
            Mfa = true,
            Assurance = Assurance.Aal2,
            DeviceTrust = DeviceTrustLevel.Managed,
            RiskScore = 20,
        };
        _personWithGuardrails = new SessionRequest
        {
            PrincipalId = "user-7",
            PrincipalKind = PrincipalKind.Human,
            Groups = SessionRequest.NormalizeGroups(["group-0", "group-3", "group-6", "group-9"]),
            Role = role!,
            Environment = "env-8",
            Mfa = false,
            RiskScore = 99,
        };
        _service = new SessionRequest { PrincipalId = "etl", PrincipalKind = PrincipalKind.Service, Role = role!, Environment = "production" };
        if (_engine.Evaluate(_personWithGuardrails) is var d && d.Guardrails.Count + d.GuardrailsWithoutEffect.Count < 3) throw new InvalidOperationException("expected several guardrails to apply");
    }

    [Benchmark(Baseline = true)]
    public PolicyDecision Person() => _engine.Evaluate(_person);

    [Benchmark]
    public PolicyDecision PersonWithGuardrails() => _engine.Evaluate(_personWithGuardrails);

    [Benchmark]
    public PolicyDecision Service() => _engine.Evaluate(_service);
}
