using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SessionPolicy.StsEndpoint;

/// <summary>
/// An STS-compatible HTTP endpoint on a loopback port: <c>AssumeRole</c> and <c>GetCallerIdentity</c> over
/// the Query API, SigV4-checked, with the limits real STS enforces. Tests add roles and access keys,
/// script failures (<see cref="FailNext"/>, <see cref="DropNext"/>, <see cref="DisableRegion"/>) and read
/// back what was sent (<see cref="Calls"/>).
/// </summary>
public sealed class StsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, StsRole> _roles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StsCaller> _issued = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StsCaller> _callers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _disabledRegions = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<StsError?> _faults = new();
    private readonly ConcurrentQueue<AssumeRoleCall> _calls = new();
    private readonly TimeProvider _time;
    private int _drops;

    private StsEndpoint(WebApplication app, TimeProvider time)
    {
        _app = app;
        _time = time;
    }

    /// <summary>Base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Compressed bytes of tags and policies that make 100% of the packed size.</summary>
    public int PackedLimitBytes { get; set; } = 2048;

    /// <summary>Every AssumeRole request that passed the signature check, in arrival order.</summary>
    public IReadOnlyList<AssumeRoleCall> Calls => _calls.ToArray();

    /// <summary>Every request that reached the endpoint, including dropped and refused ones.</summary>
    public int Requests => Volatile.Read(ref _requests);
    private int _requests;

    public static async Task<StsEndpoint> StartAsync(int port = 0, TimeProvider? time = null)
    {
        var app = LoopbackHost.Build(port);
        var endpoint = new StsEndpoint(app, time ?? TimeProvider.System);
        app.MapPost("/", endpoint.HandleAsync);
        endpoint.Url = await LoopbackHost.StartAsync(app);
        return endpoint;
    }

    /// <summary>The credentials an AssumeRole answered with, by access key id: another endpoint can take them as callers (the assumed role).</summary>
    public StsCaller? Issued(string accessKeyId) => _issued.GetValueOrDefault(accessKeyId);

    public StsEndpoint AddRole(StsRole role)
    {
        _roles[role.Arn] = role;
        return this;
    }

    public StsEndpoint AddCaller(StsCaller caller)
    {
        _callers[caller.AccessKeyId] = caller;
        return this;
    }

    public void DisableRegion(string region) => _disabledRegions[region] = true;

    /// <summary>Answers the next <paramref name="times"/> AssumeRole requests with <paramref name="error"/>.</summary>
    public void FailNext(StsError error, int times = 1)
    {
        for (var i = 0; i < times; i++) _faults.Enqueue(error);
    }

    /// <summary>Closes the connection without an answer for the next <paramref name="times"/> requests.</summary>
    public void DropNext(int times = 1) => Interlocked.Add(ref _drops, times);

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
            var (caller, region, form) = await QueryRequest.ReadAsync(http.Request, id => _callers.GetValueOrDefault(id), _time.GetUtcNow(), "sts");
            var action = form.Required("Action", "action");
            if (form.Required("Version", "version") != "2011-06-15") throw new StsError(HttpStatusCode.BadRequest, "InvalidAction", "Could not find operation for this version.");
            if (_disabledRegions.ContainsKey(region))
            {
                throw new StsError(HttpStatusCode.Forbidden, "RegionDisabledException",
                    $"STS is not activated in this region for account:{caller.Account}. Your account administrator can activate STS in this region using the IAM Console.");
            }
            var xml = action switch
            {
                "AssumeRole" => AssumeRole(form, caller, region, requestId),
                "GetCallerIdentity" => CallerIdentity(form, caller, requestId),
                _ => throw new StsError(HttpStatusCode.BadRequest, "InvalidAction", $"Could not find operation {action} for version 2011-06-15."),
            };
            await Write(http, HttpStatusCode.OK, xml, requestId);
        }
        catch (StsError error)
        {
            await Write(http, error.Status, StsXml.Error(error, requestId), requestId);
        }
    }

    private static string CallerIdentity(QueryForm form, StsCaller caller, string requestId)
    {
        form.RejectUnread();
        return StsXml.GetCallerIdentity(caller, requestId);
    }

    private string AssumeRole(QueryForm form, StsCaller caller, string region, string requestId)
    {
        // Parsed before a scripted fault, so a test can see what was sent on every attempt.
        AssumeRoleCall? call = null;
        try
        {
            call = AssumeRoleRules.Read(form, caller, region);
            _calls.Enqueue(call);
            if (_faults.TryDequeue(out var fault) && fault is not null) throw fault;
            AssumeRoleRules.Authorize(call, caller, _roles.GetValueOrDefault(call.RoleArn), PackedLimitBytes);
        }
        catch (StsError error)
        {
            if (call is not null) call.ErrorCode = error.Code;
            throw;
        }
        var expiration = _time.GetUtcNow().AddSeconds(call.DurationSeconds ?? 3600);
        var (keyId, secret) = ("ASIA" + Token(8).ToUpperInvariant(), Token(20));
        var role = call.RoleArn.Split(':');
        _issued[keyId] = new StsCaller(keyId, secret, $"arn:aws:sts::{role[4]}:assumed-role/{role[5]["role/".Length..].Split('/')[^1]}/{call.RoleSessionName}");
        return StsXml.AssumeRole(call, keyId, secret, Token(64), expiration, AssumeRoleRules.PackedPercent(call, PackedLimitBytes), requestId);
    }

    private static string Token(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

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
}
