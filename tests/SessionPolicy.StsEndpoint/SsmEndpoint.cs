using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SessionPolicy.StsEndpoint;

/// <summary>
/// An SSM-compatible HTTP endpoint on a loopback port, speaking SSM's JSON 1.1 API (<c>X-Amz-Target: AmazonSSM.*</c>,
/// <c>application/x-amz-json-1.1</c>), SigV4-checked for service <c>ssm</c> in any region: <c>GetDocument</c>,
/// <c>CreateDocument</c>, <c>UpdateDocument</c> (each region its own documents, versions counted), <c>DescribeSessions</c>
/// and <c>TerminateSession</c>. SSM's rules for a Session document are enforced on its own terms: JSON, schemaVersion
/// 1.0, sessionType, idle 1..60 and maximum 1..1440 minutes as whole-number strings, booleans for the flags; the same
/// content again is <c>DuplicateDocumentContent</c>. Tests change documents behind the service's back, add sessions and
/// script failures.
/// </summary>
public sealed class SsmEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, StsCaller> _callers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Account, string Region, string Name), List<string>> _documents = new();
    private readonly ConcurrentDictionary<(string Account, string Region, string Id), SsmSession> _sessions = new();
    private readonly List<(string? Action, StsError Error)> _faults = [];
    private readonly ConcurrentQueue<SsmCall> _calls = new();

    private Func<string, StsCaller?> _more = _ => null;

    private SsmEndpoint(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    /// <summary>Every call that passed the signature check, in order.</summary>
    public IReadOnlyList<SsmCall> Calls => _calls.ToArray();

    public static async Task<SsmEndpoint> StartAsync(int port = 0)
    {
        var app = LoopbackHost.Build(port);
        var endpoint = new SsmEndpoint(app);
        app.MapPost("/", endpoint.HandleAsync);
        endpoint.Url = await LoopbackHost.StartAsync(app);
        return endpoint;
    }

    public SsmEndpoint AddCaller(StsCaller caller)
    {
        _callers[caller.AccessKeyId] = caller;
        return this;
    }

    /// <summary>Also takes as callers the credentials <paramref name="issued"/> knows (an STS endpoint's assumed roles).</summary>
    public SsmEndpoint AddCallers(Func<string, StsCaller?> issued)
    {
        _more = issued;
        return this;
    }

    /// <summary>The latest content of a document in a region, or null.</summary>
    /// <summary>The account a call is in when a test does not say: the test callers'.</summary>
    public const string DefaultAccount = "123456789012";

    public string? Document(string region, string name, string account = DefaultAccount) => _documents.TryGetValue((account, region, name), out var v) ? Latest(v) : null;

    /// <summary>How many versions a document has in a region.</summary>
    public int Versions(string region, string name, string account = DefaultAccount) => _documents.TryGetValue((account, region, name), out var v) ? Count(v) : 0;

    /// <summary>Changes a document as someone else would (the console, the CLI): a new version, whatever its content.</summary>
    public void EditDocument(string region, string name, string content, string account = DefaultAccount)
    {
        var versions = _documents.GetOrAdd((account, region, name), _ => []);
        lock (versions) versions.Add(content);
    }

    public void AddSession(string region, SsmSession session, string account = DefaultAccount) => _sessions[(account, region, session.SessionId)] = session;

    public SsmSession? Session(string region, string id, string account = DefaultAccount) => _sessions.TryGetValue((account, region, id), out var s) ? s : null;

    /// <summary>Answers the next <paramref name="times"/> calls (of <paramref name="action"/> only, when given) with <paramref name="error"/>.</summary>
    public void FailNext(StsError error, int times = 1, string? action = null)
    {
        lock (_faults)
        {
            for (var i = 0; i < times; i++) _faults.Add((action, error));
        }
    }

    private StsError? Fault(string action)
    {
        lock (_faults)
        {
            var i = _faults.FindIndex(f => f.Action is null || f.Action == action);
            if (i < 0) return null;
            var fault = _faults[i].Error;
            _faults.RemoveAt(i);
            return fault;
        }
    }

    public static StsError Throttling() => new(HttpStatusCode.BadRequest, "ThrottlingException", "Rate exceeded");

    private static string Latest(List<string> versions)
    {
        lock (versions) return versions[^1];
    }

    private static int Count(List<string> versions)
    {
        lock (versions) return versions.Count;
    }

    private async Task HandleAsync(HttpContext http)
    {
        try
        {
            if (!(http.Request.ContentType ?? "").StartsWith("application/x-amz-json-1.1", StringComparison.OrdinalIgnoreCase))
            {
                throw new StsError(HttpStatusCode.BadRequest, "SerializationException", "Content-Type must be application/x-amz-json-1.1.");
            }
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            var body = buffer.ToArray();
            var (caller, region) = SigV4Verifier.Verify(http.Request, body, id => _callers.GetValueOrDefault(id) ?? _more(id), DateTimeOffset.UtcNow, "ssm");
            var target = http.Request.Headers["X-Amz-Target"].ToString();
            if (!target.StartsWith("AmazonSSM.", StringComparison.Ordinal)) throw new StsError(HttpStatusCode.BadRequest, "UnknownOperationException", "Unknown operation.");
            var action = target["AmazonSSM.".Length..];
            JsonObject input;
            try
            {
                input = JsonNode.Parse(body.Length == 0 ? "{}"u8 : body) as JsonObject ?? throw new JsonException();
            }
            catch (JsonException)
            {
                throw new StsError(HttpStatusCode.BadRequest, "SerializationException", "The request is not a JSON object.");
            }
            _calls.Enqueue(new SsmCall(DateTimeOffset.UtcNow, region, action, input.ToJsonString(), caller.Arn));
            if (Fault(action) is { } fault) throw fault;
            // Each account its own documents and sessions: the account of whoever signed.
            var where = (caller.Arn.Split(':')[4], region);
            var output = action switch
            {
                "GetDocument" => GetDocument(where, input),
                "CreateDocument" => CreateDocument(where, input),
                "UpdateDocument" => UpdateDocument(where, input),
                "DescribeSessions" => DescribeSessions(where, input),
                "TerminateSession" => TerminateSession(where, input),
                _ => throw new StsError(HttpStatusCode.BadRequest, "UnknownOperationException", $"Unknown operation {action}."),
            };
            await Write(http, HttpStatusCode.OK, output);
        }
        catch (StsError error)
        {
            await Write(http, error.Status, new JsonObject { ["__type"] = error.Code, ["message"] = error.Message });
        }
    }

    private static async Task Write(HttpContext http, HttpStatusCode status, JsonObject body)
    {
        http.Response.StatusCode = (int)status;
        http.Response.ContentType = "application/x-amz-json-1.1";
        http.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        await http.Response.WriteAsync(body.ToJsonString());
    }

    private JsonObject GetDocument((string Account, string Region) at, JsonObject input)
    {
        var name = Required(input, "Name");
        if (!_documents.TryGetValue((at.Account, at.Region, name), out var versions)) throw new StsError(HttpStatusCode.BadRequest, "InvalidDocument", "The specified document does not exist.");
        var count = Count(versions);
        return new JsonObject
        {
            ["Name"] = name, ["DocumentType"] = "Session", ["DocumentFormat"] = "JSON", ["Status"] = "Active",
            ["DocumentVersion"] = count.ToString(CultureInfo.InvariantCulture), ["Content"] = Latest(versions),
        };
    }

    private JsonObject CreateDocument((string Account, string Region) at, JsonObject input)
    {
        var name = Required(input, "Name");
        var content = Required(input, "Content");
        if (Text(input["DocumentType"]) != "Session") throw new StsError(HttpStatusCode.BadRequest, "InvalidDocumentType", "This document type is not supported here: only Session.");
        CheckSession(content);
        var versions = new List<string> { content };
        if (!_documents.TryAdd((at.Account, at.Region, name), versions)) throw new StsError(HttpStatusCode.BadRequest, "DocumentAlreadyExists", "The specified document already exists.");
        return new JsonObject { ["DocumentDescription"] = Description(name, 1) };
    }

    private JsonObject UpdateDocument((string Account, string Region) at, JsonObject input)
    {
        var name = Required(input, "Name");
        var content = Required(input, "Content");
        if (Text(input["DocumentVersion"]) is { } v && v != "$LATEST") throw new StsError(HttpStatusCode.BadRequest, "InvalidDocumentVersion", "Only $LATEST is supported here.");
        if (!_documents.TryGetValue((at.Account, at.Region, name), out var versions)) throw new StsError(HttpStatusCode.BadRequest, "InvalidDocument", "The specified document does not exist.");
        CheckSession(content);
        lock (versions)
        {
            if (versions[^1] == content) throw new StsError(HttpStatusCode.BadRequest, "DuplicateDocumentContent", "The content of the association document matches another document.");
            versions.Add(content);
            return new JsonObject { ["DocumentDescription"] = Description(name, versions.Count) };
        }
    }

    private JsonObject DescribeSessions((string Account, string Region) at, JsonObject input)
    {
        if (Text(input["State"]) is not ("Active" or "History")) throw new StsError(HttpStatusCode.BadRequest, "ValidationException", "1 validation error detected: Value at 'state' failed to satisfy constraint: Member must satisfy enum value set: [Active, History]");
        var max = input["MaxResults"] is JsonValue m && m.TryGetValue<int>(out var n) ? n : 200;
        if (max is < 1 or > 200) throw new StsError(HttpStatusCode.BadRequest, "ValidationException", "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 200");
        var active = Text(input["State"]) == "Active";
        var all = _sessions.Where(s => s.Key.Account == at.Account && s.Key.Region == at.Region && (s.Value.Status is "Connected" or "Connecting" or "Disconnected") == active)
            .Select(s => s.Value).OrderBy(s => s.SessionId, StringComparer.Ordinal).ToList();
        var start = Text(input["NextToken"]) is { } token ? int.Parse(token, CultureInfo.InvariantCulture) : 0;
        var page = all.Skip(start).Take(max).ToList();
        var output = new JsonObject
        {
            ["Sessions"] = new JsonArray([.. page.Select(s => (JsonNode)new JsonObject
            {
                ["SessionId"] = s.SessionId, ["Target"] = s.Target, ["Status"] = s.Status, ["Owner"] = s.Owner,
                ["StartDate"] = s.StartDate.ToUnixTimeMilliseconds() / 1000.0, ["DocumentName"] = "SSM-SessionManagerRunShell",
            })]),
        };
        if (start + page.Count < all.Count) output["NextToken"] = (start + page.Count).ToString(CultureInfo.InvariantCulture);
        return output;
    }

    private JsonObject TerminateSession((string Account, string Region) at, JsonObject input)
    {
        var id = Required(input, "SessionId");
        if (!_sessions.TryGetValue((at.Account, at.Region, id), out var session)) throw new StsError(HttpStatusCode.BadRequest, "DoesNotExistException", $"Session {id} does not exist.");
        _sessions[(at.Account, at.Region, id)] = session with { Status = "Terminated" };
        return new JsonObject { ["SessionId"] = id };
    }

    private static JsonObject Description(string name, int version) => new()
    {
        ["Name"] = name, ["DocumentType"] = "Session", ["DocumentFormat"] = "JSON", ["Status"] = "Active",
        ["DocumentVersion"] = version.ToString(CultureInfo.InvariantCulture), ["LatestVersion"] = version.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>What SSM refuses in a Session document of type Standard_Stream.</summary>
    private static void CheckSession(string content)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(content) as JsonObject ?? throw new JsonException();
        }
        catch (JsonException)
        {
            throw new StsError(HttpStatusCode.BadRequest, "InvalidDocumentContent", "The content for the document is not valid.");
        }
        if (Text(root["schemaVersion"]) != "1.0") throw new StsError(HttpStatusCode.BadRequest, "InvalidDocumentSchemaVersion", "Session documents support schemaVersion 1.0 only.");
        if (Text(root["sessionType"]) is not ("Standard_Stream" or "Port" or "InteractiveCommands" or "NonInteractiveCommands"))
        {
            throw new StsError(HttpStatusCode.BadRequest, "InvalidDocumentContent", "sessionType must be one of Standard_Stream, Port, InteractiveCommands, NonInteractiveCommands.");
        }
        if (root["inputs"] is not JsonObject inputs) return;
        Range(inputs, "idleSessionTimeout", 1, 60);
        Range(inputs, "maxSessionDuration", 1, 1440);
        foreach (var flag in new[] { "s3EncryptionEnabled", "cloudWatchEncryptionEnabled", "cloudWatchStreamingEnabled", "runAsEnabled" })
        {
            if (inputs[flag] is { } value && !(value is JsonValue b && b.TryGetValue<bool>(out _)))
            {
                throw new StsError(HttpStatusCode.BadRequest, "InvalidDocumentContent", $"{flag} must be a boolean.");
            }
        }
    }

    private static void Range(JsonObject inputs, string name, int min, int max)
    {
        if (inputs[name] is null || Text(inputs[name]) == "") return;
        if (Text(inputs[name]) is not { } text || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) || minutes < min || minutes > max)
        {
            throw new StsError(HttpStatusCode.BadRequest, "InvalidDocumentContent", $"{name} must be a string of a whole number of minutes between {min} and {max}.");
        }
    }

    private static string Required(JsonObject input, string name) =>
        Text(input[name]) is { Length: > 0 } value ? value
            : throw new StsError(HttpStatusCode.BadRequest, "ValidationException", $"1 validation error detected: Value null at '{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: Member must not be null");

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A Session Manager session as DescribeSessions lists it.</summary>
public sealed record SsmSession(string SessionId, string Target, string Owner, DateTimeOffset StartDate, string Status = "Connected");

/// <summary>One call the SSM endpoint took: when, the region it was signed for, the action, its input, and who signed it.</summary>
public sealed record SsmCall(DateTimeOffset At, string Region, string Action, string Input, string CallerArn = "");
