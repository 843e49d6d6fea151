using System.Diagnostics;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.Loader;

namespace SessionPolicy.Benchmarks;

/// <summary>
/// Evaluation before and after a change, in one process: each build's SessionPolicy.Core is loaded into its
/// own load context and the benchmark cases of <see cref="EvaluateBenchmarks"/> run in short alternating
/// bursts, so a noisy machine slows both builds alike. Reports, per case, the median over rounds of each
/// build's time per decision, their ratio, and the bytes allocated per decision.
/// <c>--evaluate-ab BEFORE_DIR AFTER_DIR [ROUNDS]</c>, each directory holding a build's SessionPolicy.Core.dll.
/// </summary>
internal static class EvaluateAb
{
    private static readonly string[] Cases = ["Person", "PersonWithGuardrails", "Service"];

    public static int Run(string beforeDir, string afterDir, int rounds)
    {
        var builds = new[] { Build.Load("before", beforeDir), Build.Load("after", afterDir) };
        var times = builds.Select(_ => Cases.Select(_ => new List<double>()).ToArray()).ToArray();
        var bytes = new long[builds.Length, Cases.Length];
        foreach (var b in builds) foreach (var c in b.Calls) Measure(c, 200_000); // warm up, let tiering settle
        for (var r = 0; r < rounds; r++)
        {
            for (var k = 0; k < builds.Length; k++)
            {
                var i = (r % 2 == 0) ? k : builds.Length - 1 - k;
                for (var c = 0; c < Cases.Length; c++)
                {
                    var (ns, allocated) = Measure(builds[i].Calls[c], 100_000);
                    times[i][c].Add(ns);
                    bytes[i, c] = allocated;
                }
            }
        }
        Console.WriteLine($"| case | before median ns | after median ns | after/before | allocated before / after |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        for (var c = 0; c < Cases.Length; c++)
        {
            var before = Median(times[0][c]);
            var after = Median(times[1][c]);
            Console.WriteLine($"| {Cases[c]} | {before:0} | {after:0} | {after / before:0.00} | {bytes[0, c]} B / {bytes[1, c]} B |");
        }
        Console.WriteLine($"({rounds} rounds of 100,000 decisions per case and build, alternating which build goes first)");
        return 0;
    }

    private static (double Ns, long Bytes) Measure(Func<object> call, int n)
    {
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < n; i++) call();
        watch.Stop();
        return (watch.Elapsed.TotalNanoseconds / n, (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / n);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>One build of SessionPolicy.Core, loaded on its own, with the three cases compiled into direct calls.</summary>
    private sealed class Build(string name, Func<object>[] calls)
    {
        public string Name { get; } = name;
        public Func<object>[] Calls { get; } = calls;

        public static Build Load(string name, string dir)
        {
            var context = new DirectoryContext(dir);
            var core = context.LoadFromAssemblyPath(Path.GetFullPath(Path.Combine(dir, "SessionPolicy.Core.dll")));
            Type T(string n) => core.GetType("SessionPolicy.Core." + n, throwOnError: true)!;
            var parse = T("Policies.PolicyParser").GetMethods().First(m => m.Name == "Parse" && m.GetParameters()[0].ParameterType == typeof(string));
            var result = parse.Invoke(null, [.. parse.GetParameters().Select((p, i) => i == 0 ? LargePolicy.Yaml() : p.DefaultValue)])!;
            var policy = result.GetType().GetProperty("Policy")!.GetValue(result) ?? throw new InvalidOperationException($"{name}: the policy was refused");
            var version = (string)result.GetType().GetProperty("Version")!.GetValue(result)!;
            var engineType = T("Evaluation.PolicyEngine");
            var engine = Activator.CreateInstance(engineType, policy, version)!;
            var roleArgs = new object?[] { "arn:aws:iam::123456789012:role/role-13", null, null };
            T("Evaluation.RoleArn").GetMethod("TryParse")!.Invoke(null, roleArgs);
            var role = roleArgs[1]!;
            var requestType = T("Evaluation.SessionRequest");
            var normalize = requestType.GetMethod("NormalizeGroups")!;
            object E(string type, string value) => Enum.Parse(T("Evaluation." + type), value);
            object Request(params (string Property, object Value)[] values)
            {
                var request = Activator.CreateInstance(requestType)!;
                foreach (var (property, value) in values)
                {
                    var v = property == "Groups" ? normalize.Invoke(null, [value]) : value;
                    requestType.GetProperty(property)!.SetValue(request, v);
                }
                return request;
            }
            var person = Request(("PrincipalId", "user-99999"), ("PrincipalKind", E("PrincipalKind", "Human")),
                ("Groups", new[] { "eng", "ops", "group-4", "group-11", "group-600" }), ("Role", role), ("Environment", "production"),
                ("SourceIp", System.Net.IPAddress.Parse("10.1.2.3")), ("Channel", E("ChannelKind", "Web")), ("Mfa", true),
                ("Assurance", E("Assurance", "Aal2")), ("DeviceTrust", E("DeviceTrustLevel", "Managed")), ("RiskScore", 20));
            var guarded = Request(("PrincipalId", "user-7"), ("PrincipalKind", E("PrincipalKind", "Human")),
                ("Groups", new[] { "group-0", "group-3", "group-6", "group-9" }), ("Role", role), ("Environment", "env-8"), ("Mfa", false), ("RiskScore", 99));
            var service = Request(("PrincipalId", "etl"), ("PrincipalKind", E("PrincipalKind", "Service")), ("Role", role), ("Environment", "production"));
            var evaluate = engineType.GetMethods().First(m => m.Name == "Evaluate" && m.GetParameters()[0].ParameterType == requestType);
            Func<object> Call(object request) => Expression.Lambda<Func<object>>(Expression.Call(Expression.Constant(engine), evaluate,
                evaluate.GetParameters().Select((p, i) => i == 0 ? (Expression)Expression.Constant(request) : Expression.Constant(p.DefaultValue, p.ParameterType)))).Compile();
            return new Build(name, [Call(person), Call(guarded), Call(service)]);
        }
    }

    /// <summary>Loads a build's own assemblies from its directory; everything else from the default context.</summary>
    private sealed class DirectoryContext(string dir) : AssemblyLoadContext(isCollectible: false)
    {
        protected override Assembly? Load(AssemblyName name)
        {
            var path = Path.GetFullPath(Path.Combine(dir, name.Name + ".dll"));
            return name.Name is "SessionPolicy.Core" or "YamlDotNet" && File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
