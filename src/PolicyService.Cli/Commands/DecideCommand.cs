using System.CommandLine;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using SessionPolicy.V1;

namespace SessionPolicy.Cli.Commands;

/// <summary><c>policyctl decide</c> and <c>policyctl explain</c>: one Decide call to a running server.</summary>
internal static class DecideCommand
{
    public const string DefaultServer = "http://127.0.0.1:5080";

    public static Command Create(string name, string description, bool explain, TextWriter output, TextWriter error, Func<string, GrpcChannel> connect)
    {
        var server = new Option<string>("--server") { Description = $"Server address (h2c or https); default $SESSIONPOLICY_SERVER or {DefaultServer}." };
        var principal = new Option<string>("--principal", "-p") { Description = "Principal id.", Required = true };
        var type = new Option<string>("--type") { Description = "Principal type.", DefaultValueFactory = _ => "human" };
        type.AcceptOnlyFromAmong("human", "service");
        var groups = new Option<string[]>("--group") { Description = "A group of the principal (repeatable).", AllowMultipleArgumentsPerToken = false };
        var attributes = new Option<string[]>("--attribute") { Description = "A principal attribute as KEY=VALUE (repeatable)." };
        var account = new Option<string>("--account") { Description = "Account of the principal's own credentials." };
        var role = new Option<string>("--role", "-r") { Description = "IAM role ARN.", Required = true };
        var tags = new Option<string[]>("--role-tag") { Description = "A role tag as KEY=VALUE (repeatable)." };
        var roleMax = new Option<int>("--role-max") { Description = "The role's MaxSessionDuration in seconds, when known." };
        var environment = new Option<string>("--environment", "-e") { Description = "Target environment, e.g. production." };
        var sourceIp = new Option<string>("--source-ip") { Description = "Client IP address." };
        var zone = new Option<string>("--zone") { Description = "Network zone, e.g. corporate, internet." };
        var channel = new Option<string>("--channel") { Description = "Client channel." };
        channel.AcceptOnlyFromAmong("web", "mobile", "api", "cli");
        var mfa = new Option<bool?>("--mfa") { Description = "Whether the sign-in used MFA (true or false)." };
        var assurance = new Option<string>("--assurance") { Description = "Assurance level." };
        assurance.AcceptOnlyFromAmong("aal1", "aal2", "aal3");
        var device = new Option<string>("--device") { Description = "Device trust." };
        device.AcceptOnlyFromAmong("unknown", "unmanaged", "managed");
        var crossAccount = new Option<bool>("--cross-account") { Description = "The role is in another account." };
        var chaining = new Option<bool>("--role-chaining") { Description = "The caller's credentials are themselves a role session." };
        var risk = new Option<int?>("--risk") { Description = "Risk score 0..100." };
        var requested = new Option<int>("--requested") { Description = "Requested session length in seconds." };
        var json = new Option<bool>("--json") { Description = "Print the decision as JSON." };

        var command = new Command(name, description)
        {
            server, principal, type, groups, attributes, account, role, tags, roleMax, environment, sourceIp, zone, channel, mfa,
            assurance, device, crossAccount, chaining, risk, requested, json,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var request = new DecideRequest
            {
                Explain = explain,
                Principal = new Principal
                {
                    Id = parse.GetValue(principal)!,
                    Type = parse.GetValue(type) == "service" ? PrincipalType.Service : PrincipalType.Human,
                    AccountId = parse.GetValue(account) ?? "",
                },
                Role = new Role { Arn = parse.GetValue(role)!, MaxSessionSeconds = parse.GetValue(roleMax) },
                Context = new RequestContext
                {
                    Environment = parse.GetValue(environment) ?? "",
                    SourceIp = parse.GetValue(sourceIp) ?? "",
                    NetworkZone = parse.GetValue(zone) ?? "",
                    CrossAccount = parse.GetValue(crossAccount),
                    RoleChaining = parse.GetValue(chaining),
                    RequestedDurationSeconds = parse.GetValue(requested),
                },
            };
            request.Principal.Groups.Add(parse.GetValue(groups) ?? []);
            if (!AddPairs(request.Principal.Attributes, parse.GetValue(attributes), "--attribute", error) ||
                !AddPairs(request.Role.Tags, parse.GetValue(tags), "--role-tag", error)) return PolicyCtl.InputError;
            if (parse.GetValue(channel) is { } c) request.Context.Channel = Enum.Parse<Channel>(c, ignoreCase: true);
            if (parse.GetValue(mfa) is { } m) request.Context.Mfa = m;
            if (parse.GetValue(assurance) is { } a) request.Context.AssuranceLevel = Enum.Parse<AssuranceLevel>(a, ignoreCase: true);
            if (parse.GetValue(device) is { } d) request.Context.DeviceTrust = Enum.Parse<DeviceTrust>(d, ignoreCase: true);
            if (parse.GetValue(risk) is { } r) request.Context.RiskScore = r;

            var address = parse.GetValue(server) ?? Environment.GetEnvironmentVariable("SESSIONPOLICY_SERVER") ?? DefaultServer;
            try
            {
                using var grpc = connect(address);
                var response = await new SessionPolicyService.SessionPolicyServiceClient(grpc).DecideAsync(request, cancellationToken: cancel);
                if (parse.GetValue(json)) output.WriteLine(JsonFormatter.Default.Format(response.Decision));
                else DecisionPrinter.Print(response.Decision, output);
                return 0;
            }
            catch (RpcException ex)
            {
                error.WriteLine($"{address}: {ex.StatusCode}: {ex.Status.Detail}");
                return ex.StatusCode == StatusCode.InvalidArgument ? PolicyCtl.Failed : PolicyCtl.InputError;
            }
        });
        return command;
    }

    private static bool AddPairs(IDictionary<string, string> into, string[]? pairs, string option, TextWriter error)
    {
        foreach (var pair in pairs ?? [])
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0)
            {
                error.WriteLine($"{option} '{pair}': expected KEY=VALUE");
                return false;
            }
            into[pair[..eq]] = pair[(eq + 1)..];
        }
        return true;
    }
}
