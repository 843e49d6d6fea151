using System.CommandLine;
using SessionPolicy.V1;

namespace SessionPolicy.Cli.Commands;

/// <summary>The options that describe a principal, a role and a context, and the server to ask, shared by the commands that ask a server.</summary>
internal sealed class RequestOptions
{
    private readonly ConnectionOptions _connection = new();
    private readonly Option<string> _principal = new("--principal", "-p") { Description = "Principal id.", Required = true };
    private readonly Option<string> _type = new("--type") { Description = "Principal type.", DefaultValueFactory = _ => "human" };
    private readonly Option<string[]> _groups = new("--group") { Description = "A group of the principal (repeatable).", AllowMultipleArgumentsPerToken = false };
    private readonly Option<string[]> _attributes = new("--attribute") { Description = "A principal attribute as KEY=VALUE (repeatable)." };
    private readonly Option<string> _account = new("--account") { Description = "Account of the principal's own credentials." };
    private readonly Option<string> _role = new("--role", "-r") { Description = "IAM role ARN.", Required = true };
    private readonly Option<string[]> _tags = new("--role-tag") { Description = "A role tag as KEY=VALUE (repeatable)." };
    private readonly Option<int> _roleMax = new("--role-max") { Description = "The role's MaxSessionDuration in seconds, when known." };
    private readonly Option<string> _environment = new("--environment", "-e") { Description = "Target environment, e.g. production." };
    private readonly Option<string> _sourceIp = new("--source-ip") { Description = "Client IP address." };
    private readonly Option<string> _zone = new("--zone") { Description = "Network zone, e.g. corporate, internet." };
    private readonly Option<string> _channel = new("--channel") { Description = "Client channel." };
    private readonly Option<bool?> _mfa = new("--mfa") { Description = "Whether the sign-in used MFA (true or false)." };
    private readonly Option<string> _assurance = new("--assurance") { Description = "Assurance level." };
    private readonly Option<string> _device = new("--device") { Description = "Device trust." };
    private readonly Option<bool> _crossAccount = new("--cross-account") { Description = "The role is in another account." };
    private readonly Option<bool> _chaining = new("--role-chaining") { Description = "The caller's credentials are themselves a role session." };
    private readonly Option<int?> _risk = new("--risk") { Description = "Risk score 0..100." };
    private readonly Option<int> _requested = new("--requested") { Description = "Requested session length in seconds." };

    public RequestOptions()
    {
        _type.AcceptOnlyFromAmong("human", "service");
        _channel.AcceptOnlyFromAmong("web", "mobile", "api", "cli");
        _assurance.AcceptOnlyFromAmong("aal1", "aal2", "aal3");
        _device.AcceptOnlyFromAmong("unknown", "unmanaged", "managed");
    }

    public void AddTo(Command command)
    {
        _connection.AddTo(command);
        foreach (var option in new Option[]
        {
            _principal, _type, _groups, _attributes, _account, _role, _tags, _roleMax, _environment, _sourceIp, _zone, _channel,
            _mfa, _assurance, _device, _crossAccount, _chaining, _risk, _requested,
        })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The server to ask and the credentials to present; false (with the reason written) when a credential file cannot be used.</summary>
    /// <summary>The server to ask and the credentials to present (<see cref="ServerCalls"/>).</summary>
    public ConnectionOptions Connection => _connection;

    /// <summary>The principal id given.</summary>
    public string PrincipalId(ParseResult parse) => parse.GetValue(_principal)!;

    /// <summary>Builds what the options describe; false (with the reason written to <paramref name="error"/>) for a malformed pair.</summary>
    public bool TryBuild(ParseResult parse, TextWriter error, out Principal principal, out Role role, out RequestContext context)
    {
        principal = new Principal
        {
            Id = parse.GetValue(_principal)!,
            Type = parse.GetValue(_type) == "service" ? PrincipalType.Service : PrincipalType.Human,
            AccountId = parse.GetValue(_account) ?? "",
        };
        principal.Groups.Add(parse.GetValue(_groups) ?? []);
        role = new Role { Arn = parse.GetValue(_role)!, MaxSessionSeconds = parse.GetValue(_roleMax) };
        context = new RequestContext
        {
            Environment = parse.GetValue(_environment) ?? "",
            SourceIp = parse.GetValue(_sourceIp) ?? "",
            NetworkZone = parse.GetValue(_zone) ?? "",
            CrossAccount = parse.GetValue(_crossAccount),
            RoleChaining = parse.GetValue(_chaining),
            RequestedDurationSeconds = parse.GetValue(_requested),
        };
        if (parse.GetValue(_channel) is { } c) context.Channel = Enum.Parse<Channel>(c, ignoreCase: true);
        if (parse.GetValue(_mfa) is { } m) context.Mfa = m;
        if (parse.GetValue(_assurance) is { } a) context.AssuranceLevel = Enum.Parse<AssuranceLevel>(a, ignoreCase: true);
        if (parse.GetValue(_device) is { } d) context.DeviceTrust = Enum.Parse<DeviceTrust>(d, ignoreCase: true);
        if (parse.GetValue(_risk) is { } r) context.RiskScore = r;
        return AddPairs(principal.Attributes, parse.GetValue(_attributes), "--attribute", error)
            && AddPairs(role.Tags, parse.GetValue(_tags), "--role-tag", error);
    }

    /// <summary>Adds KEY=VALUE pairs to a map; false (with the reason written) for one without a key.</summary>
    public static bool AddPairs(IDictionary<string, string> into, string[]? pairs, string option, TextWriter error)
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
