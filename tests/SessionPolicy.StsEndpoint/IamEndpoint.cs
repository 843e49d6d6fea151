using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SessionPolicy.StsEndpoint;

/// <summary>
/// An IAM-compatible HTTP endpoint on a loopback port: <c>GetRolePolicy</c>, <c>PutRolePolicy</c> and
/// <c>DeleteRolePolicy</c> over IAM's Query API (2010-05-08), SigV4-checked for service <c>iam</c>, with IAM's limits:
/// role and policy name patterns, the policy grammar (<see cref="IamPolicyRules"/>), and 10,240 characters for all of a
/// role's inline policies. Tests add roles and callers, script failures and read back every accepted write.
/// </summary>
public sealed partial class IamEndpoint : IAsyncDisposable
{
    private static readonly XNamespace Ns = "https://iam.amazonaws.com/doc/2010-05-08/";
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, StsCaller> _callers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _roles = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<StsError> _faults = new();
    private readonly ConcurrentQueue<IamWrite> _writes = new();
    private readonly object _changed = new();
    private int _drops;
    private int _requests;

    private IamEndpoint(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    /// <summary>Every accepted PutRolePolicy and DeleteRolePolicy, in order.</summary>
    public IReadOnlyList<IamWrite> Writes => _writes.ToArray();

    /// <summary>Every request that reached the endpoint.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<IamEndpoint> StartAsync(int port = 0)
    {
        var app = LoopbackHost.Build(port);
        var endpoint = new IamEndpoint(app);
        app.MapPost("/", endpoint.HandleAsync);
        endpoint.Url = await LoopbackHost.StartAsync(app);
        return endpoint;
    }

    public IamEndpoint AddCaller(StsCaller caller)
    {
        _callers[caller.AccessKeyId] = caller;
        return this;
    }

    /// <summary>Adds a role, optionally with inline policies it already has (name to document).</summary>
    public IamEndpoint AddRole(string roleName, IDictionary<string, string>? policies = null)
    {
        _roles[roleName] = new ConcurrentDictionary<string, string>(policies ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        return this;
    }

    /// <summary>The role's inline policy document, or null.</summary>
    public string? Policy(string roleName, string policyName) =>
        _roles.TryGetValue(roleName, out var p) && p.TryGetValue(policyName, out var d) ? d : null;

    /// <summary>Answers the next <paramref name="times"/> requests with <paramref name="error"/>.</summary>
    public void FailNext(StsError error, int times = 1)
    {
        for (var i = 0; i < times; i++) _faults.Enqueue(error);
    }

    /// <summary>Closes the connection without an answer for the next <paramref name="times"/> requests.</summary>
    public void DropNext(int times = 1) => Interlocked.Add(ref _drops, times);

    public static StsError Throttling() => new(HttpStatusCode.BadRequest, "Throttling", "Rate exceeded");

    /// <summary>Waits until <paramref name="condition"/> holds of the endpoint, re-checked after every accepted write.</summary>
    public async Task<bool> WaitForAsync(Func<IamEndpoint, bool> condition, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (!condition(this))
        {
            var changed = Changed;
            if (condition(this)) return true;
            try
            {
                await changed.WaitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                return condition(this);
            }
        }
        return true;
    }

    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Task Changed
    {
        get { lock (_changed) return _next.Task; }
    }

    private void Signal()
    {
        TaskCompletionSource done;
        lock (_changed)
        {
            done = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        done.TrySetResult();
    }

    private async Task HandleAsync(HttpContext http)
    {
        Interlocked.Increment(ref _requests);
        if (Volatile.Read(ref _drops) > 0 && Interlocked.Decrement(ref _drops) >= 0)
        {
            http.Abort();
            return;
        }
        var requestId = Guid.NewGuid().ToString();
        try
        {
            var (_, region, form) = await QueryRequest.ReadAsync(http.Request, id => _callers.GetValueOrDefault(id), DateTimeOffset.UtcNow, "iam");
            if (region != "us-east-1") throw new StsError(HttpStatusCode.BadRequest, "SignatureDoesNotMatch", "Credential should be scoped to a valid region.");
            var action = form.Required("Action", "action");
            if (form.Required("Version", "version") != "2010-05-08") throw new StsError(HttpStatusCode.BadRequest, "InvalidAction", "Could not find operation for this version.");
            if (_faults.TryDequeue(out var fault)) throw fault;
            var result = action switch
            {
                "GetRolePolicy" => Get(form),
                "PutRolePolicy" => Put(form),
                "DeleteRolePolicy" => Delete(form),
                _ => throw new StsError(HttpStatusCode.BadRequest, "InvalidAction", $"Could not find operation {action} for version 2010-05-08."),
            };
            await Write(http, HttpStatusCode.OK, Document(action, result, requestId), requestId);
        }
        catch (StsError error)
        {
            var xml = new XDocument(new XElement(Ns + "ErrorResponse",
                new XElement(Ns + "Error", new XElement(Ns + "Type", error.Type), new XElement(Ns + "Code", error.Code), new XElement(Ns + "Message", error.Message)),
                new XElement(Ns + "RequestId", requestId))).ToString(SaveOptions.DisableFormatting);
            await Write(http, error.Status, xml, requestId);
        }
    }

    private XElement? Get(QueryForm form)
    {
        var (role, name) = Names(form);
        form.RejectUnread();
        var document = _roles[role].TryGetValue(name, out var d) ? d : throw new StsError(HttpStatusCode.NotFound, "NoSuchEntity", $"The role policy with name {name} cannot be found.");
        return new XElement(Ns + "GetRolePolicyResult",
            new XElement(Ns + "RoleName", role), new XElement(Ns + "PolicyName", name), new XElement(Ns + "PolicyDocument", Uri.EscapeDataString(document)));
    }

    private XElement? Put(QueryForm form)
    {
        var (role, name) = Names(form);
        var document = form.Required("PolicyDocument", "policyDocument");
        form.RejectUnread();
        if (document.Length is 0 or > 131_072 || document.Any(c => c < 0x09 || (c > 0x0d && c < 0x20)))
        {
            throw StsError.Validation("1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
        }
        IamPolicyRules.Check(document);
        var policies = _roles[role];
        var total = policies.Where(p => p.Key != name).Sum(p => IamPolicyRules.Size(p.Value)) + IamPolicyRules.Size(document);
        if (total > IamPolicyRules.RoleInlineLimit)
        {
            throw new StsError(HttpStatusCode.Conflict, "LimitExceeded", $"Maximum policy size of {IamPolicyRules.RoleInlineLimit} bytes exceeded for role {role}");
        }
        policies[name] = document;
        _writes.Enqueue(new IamWrite(DateTimeOffset.UtcNow, role, name, document));
        Signal();
        return null;
    }

    private XElement? Delete(QueryForm form)
    {
        var (role, name) = Names(form);
        form.RejectUnread();
        if (!_roles[role].TryRemove(name, out _)) throw new StsError(HttpStatusCode.NotFound, "NoSuchEntity", $"The role policy with name {name} cannot be found.");
        _writes.Enqueue(new IamWrite(DateTimeOffset.UtcNow, role, name, null));
        Signal();
        return null;
    }

    private (string Role, string Policy) Names(QueryForm form)
    {
        var role = form.Required("RoleName", "roleName");
        var name = form.Required("PolicyName", "policyName");
        if (!RoleName().IsMatch(role)) throw StsError.Validation("1 validation error detected: Value at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+");
        if (!PolicyName().IsMatch(name)) throw StsError.Validation("1 validation error detected: Value at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+");
        if (!_roles.ContainsKey(role)) throw new StsError(HttpStatusCode.NotFound, "NoSuchEntity", $"The role with name {role} cannot be found.");
        return (role, name);
    }

    private static string Document(string action, XElement? result, string requestId)
    {
        var root = new XElement(Ns + (action + "Response"));
        if (result is not null) root.Add(result);
        root.Add(new XElement(Ns + "ResponseMetadata", new XElement(Ns + "RequestId", requestId)));
        return new XDocument(root).ToString(SaveOptions.DisableFormatting);
    }

    private static Task Write(HttpContext http, HttpStatusCode status, string xml, string requestId)
    {
        http.Response.StatusCode = (int)status;
        http.Response.ContentType = "text/xml";
        http.Response.Headers["x-amzn-RequestId"] = requestId;
        return http.Response.WriteAsync(xml);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [GeneratedRegex(@"^[\w+=,.@-]{1,64}$")]
    private static partial Regex RoleName();

    [GeneratedRegex(@"^[\w+=,.@-]{1,128}$")]
    private static partial Regex PolicyName();
}

/// <summary>A write IAM accepted: when, to which role and policy, and the document (null for a delete).</summary>
public sealed record IamWrite(DateTimeOffset At, string Role, string Policy, string? Document);
