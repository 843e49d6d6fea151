using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Sessions;

namespace SessionPolicy.Server.Receivers;

/// <summary>
/// The Shared Signals Framework 1.0 transmitter on the HTTP port: its configuration metadata at
/// <c>/.well-known/ssf-configuration</c> (section 7), stream management (section 8: create, read, update, replace and
/// delete a stream; its status; adding and removing subjects; verification) and RFC 8936 polling. Every call but the
/// metadata is authenticated as the gRPC API is (a bearer token or a client certificate) and needs the
/// <c>subscribe</c> permission; a stream's audiences are the caller's, and only its creator (or an admin) sees or changes
/// it. Streams are receivers (<see cref="ReceiverCatalog"/>): a push stream is delivered like any other. Bodies are
/// bounded; refusals carry <c>{"err","description"}</c> with the status section 8 gives.
/// </summary>
internal static class SharedSignalsEndpoints
{
    public const string ConfigurationPath = "/.well-known/ssf-configuration";
    public const string StreamsPath = "/ssf/streams";
    public const string StatusPath = "/ssf/status";
    public const string AddSubjectPath = "/ssf/subjects:add";
    public const string RemoveSubjectPath = "/ssf/subjects:remove";
    public const string VerifyPath = "/ssf/verify";
    public const string PollPath = "/ssf/poll";

    public const string PushMethod = "urn:ietf:rfc:8935";
    public const string PollMethod = "urn:ietf:rfc:8936";

    private const int MaxBody = 65536;
    private const int MaxDescription = 1024;
    private const int MaxState = 256;

    private static readonly string[] EventsSupported = [SecurityEventTokens.SessionRevoked, SharedSignalTokens.VerificationEvent];

    /// <summary>The URL a poll stream's receiver polls.</summary>
    public static string PollUrl(string issuer, string stream) => Url(issuer, $"{PollPath}/{stream}");

    private static string Url(string issuer, string path) => issuer.TrimEnd('/') + path;

    /// <summary>Maps the routes on <paramref name="routes"/> (the HTTP port's).</summary>
    public static void Map(IEndpointRouteBuilder routes, string issuer)
    {
        var issuerPath = Uri.TryCreate(issuer, UriKind.Absolute, out var uri) ? uri.AbsolutePath.TrimEnd('/') : "";
        routes.MapGet(ConfigurationPath + issuerPath, (HttpContext http) => Results.Json(Configuration(issuer), statusCode: 200));
        routes.MapPost(StreamsPath, Route(c => c.CreateAsync()));
        routes.MapGet(StreamsPath, Route(c => c.ReadAsync()));
        routes.MapPatch(StreamsPath, Route(c => c.ChangeAsync(replace: false)));
        routes.MapPut(StreamsPath, Route(c => c.ChangeAsync(replace: true)));
        routes.MapDelete(StreamsPath, Route(c => c.DeleteAsync()));
        routes.MapGet(StatusPath, Route(c => c.ReadStatusAsync()));
        routes.MapPost(StatusPath, Route(c => c.UpdateStatusAsync()));
        routes.MapPost(AddSubjectPath, Route(c => c.SubjectAsync(add: true)));
        routes.MapPost(RemoveSubjectPath, Route(c => c.SubjectAsync(add: false)));
        routes.MapPost(VerifyPath, Route(c => c.VerifyAsync()));
        routes.MapPost(PollPath + "/{stream}", (Func<HttpContext, string, Task<IResult>>)((http, stream) => Handle(http, c => c.PollAsync(stream))));
    }

    private static Func<HttpContext, Task<IResult>> Route(Func<Call, Task<IResult>> call) => http => Handle(http, call);

    private static JsonObject Configuration(string issuer) => new()
    {
        ["spec_version"] = "1_0",
        ["issuer"] = issuer,
        ["jwks_uri"] = Url(issuer, Hosting.HttpPort.JwksPath),
        ["delivery_methods_supported"] = new JsonArray(PushMethod, PollMethod),
        ["configuration_endpoint"] = Url(issuer, StreamsPath),
        ["status_endpoint"] = Url(issuer, StatusPath),
        ["add_subject_endpoint"] = Url(issuer, AddSubjectPath),
        ["remove_subject_endpoint"] = Url(issuer, RemoveSubjectPath),
        ["verification_endpoint"] = Url(issuer, VerifyPath),
        ["authorization_schemes"] = new JsonArray(new JsonObject { ["spec_urn"] = "urn:ietf:rfc:6750" }, new JsonObject { ["spec_urn"] = "urn:ietf:rfc:8705" }),
        ["default_subjects"] = "ALL",
    };

    /// <summary>A refusal in the management API's terms: its status and <c>err</c> code.</summary>
    private sealed class Refusal(int status, string err, string description) : Exception(description)
    {
        public int Status { get; } = status;
        public string Err { get; } = err;
    }

    private static Refusal Bad(string description) => new(400, "invalid_request", description);

    /// <summary>Authenticates the caller, runs <paramref name="call"/>, and answers each refusal with its status and <c>{"err","description"}</c>.</summary>
    private static async Task<IResult> Handle(HttpContext http, Func<Call, Task<IResult>> call)
    {
        var services = http.RequestServices;
        var catalog = services.GetRequiredService<ReceiverCatalog>();
        var route = $"{http.Request.Method} {http.Request.Path}";
        try
        {
            var caller = await services.GetRequiredService<CallerAuthorization>().AuthorizeHttpAsync(http, route, Permissions.Subscribe);
            return await call(new Call(http, catalog, caller, services));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return Error(401, "authentication_failed", e.Status.Detail);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
        {
            return Error(403, "access_denied", e.Status.Detail);
        }
        catch (Refusal e)
        {
            return Error(e.Status, e.Err, e.Message);
        }
        catch (ServiceFailure e)
        {
            var (status, err) = e.Kind switch
            {
                FailureKind.InvalidArgument => (400, "invalid_request"),
                FailureKind.NotFound => (404, "not_found"),
                FailureKind.Conflict => (409, "conflict"),
                FailureKind.PermissionDenied => (403, "access_denied"),
                FailureKind.ResourceExhausted => (429, "too_many"),
                FailureKind.FailedPrecondition => (409, "unavailable_configuration"),
                FailureKind.Unavailable => (503, "temporarily_unavailable"),
                _ => (500, "server_error"),
            };
            if (status == 503) http.Response.Headers.RetryAfter = "1";
            return Error(status, err, e.Kind == FailureKind.Internal ? "the service failed; its log has the details" : e.Message);
        }
    }

    private static IResult Error(int status, string err, string description) => Results.Json(new JsonObject { ["err"] = err, ["description"] = description }, statusCode: status);

    /// <summary>One management call: its request, the caller, and the catalog.</summary>
    private sealed class Call(HttpContext http, ReceiverCatalog catalog, Caller? caller, IServiceProvider services)
    {
        private string Owner => caller?.Name ?? "";

        private string Actor => caller?.Name ?? "unauthenticated caller";

        public async Task<IResult> CreateAsync()
        {
            var body = await BodyAsync();
            var name = "ssf-" + Guid.NewGuid().ToString("N");
            var audiences = Audiences(body);
            var stream = new ReceiverStream(Owner, ReceiverStream.StatusEnabled, [], Description(body, ""), "", EventsRequested(body, [SecurityEventTokens.SessionRevoked]), services.GetRequiredService<TimeProvider>().GetUtcNow());
            var receiver = new Receiver(Settings(name, body, audiences, null), Receiver.Streamed, stream);
            await catalog.AddAsync(receiver, Actor);
            return Results.Json(Config(receiver), statusCode: 201);
        }

        public async Task<IResult> ReadAsync()
        {
            if (http.Request.Query["stream_id"] is { Count: > 0 } id) return Results.Json(Config(await OwnedAsync(id.ToString())));
            var all = (await catalog.AllAsync()).Where(r => r.Stream is not null && May(r)).Select(r => (JsonNode)Config(r)).ToArray();
            return Results.Json(new JsonArray(all));
        }

        public async Task<IResult> ChangeAsync(bool replace)
        {
            var body = await BodyAsync();
            var receiver = await OwnedAsync(StreamId(body));
            var stream = receiver.Stream!;
            var settings = Settings(receiver.Name, body, receiver.Settings.Audiences, replace ? null : receiver.Settings);
            stream = stream with
            {
                Description = Description(body, replace ? "" : stream.Description),
                EventsRequested = EventsRequested(body, replace ? [] : stream.EventsRequested),
            };
            var changed = receiver with { Settings = settings, Stream = stream };
            await catalog.ReplaceAsync(changed, Actor, replace ? "replaced" : "updated");
            return Results.Json(Config(changed));
        }

        public async Task<IResult> DeleteAsync()
        {
            var receiver = await OwnedAsync(http.Request.Query["stream_id"].ToString());
            await catalog.RemoveAsync(receiver.Name, Actor);
            return Results.NoContent();
        }

        public async Task<IResult> ReadStatusAsync()
        {
            var receiver = await OwnedAsync(http.Request.Query["stream_id"].ToString());
            return Results.Json(Status(receiver));
        }

        public async Task<IResult> UpdateStatusAsync()
        {
            var body = await BodyAsync();
            var receiver = await OwnedAsync(StreamId(body));
            var status = String(body, "status", 16) ?? throw Bad("status is required: enabled, paused or disabled");
            if (!ReceiverStream.Statuses.Contains(status)) throw Bad("status must be enabled, paused or disabled");
            var reason = String(body, "reason", MaxDescription) ?? "";
            var before = receiver.Stream!.Status;
            var changed = receiver with { Stream = receiver.Stream with { Status = status, StatusReason = reason } };
            await catalog.ReplaceAsync(changed, Actor, $"status {before} to {status}");
            // A disabled stream holds nothing: what ended while it was disabled is not delivered once it is enabled again.
            if (!changed.Settings.IsPush && before != status && (status == ReceiverStream.StatusDisabled || before == ReceiverStream.StatusDisabled))
            {
                await catalog.SkipToEndAsync(changed.Name);
            }
            return Results.Json(Status(changed));
        }

        public async Task<IResult> SubjectAsync(bool add)
        {
            var body = await BodyAsync();
            var receiver = await OwnedAsync(StreamId(body));
            var principal = Principal(body);
            var stream = receiver.Stream!;
            var excluded = add ? stream.Excluded.Where(p => p != principal).ToArray()
                : stream.Excluded.Contains(principal, StringComparer.Ordinal) ? stream.Excluded : [.. stream.Excluded, principal];
            if (excluded.Length > ReceiverStream.MaxExcluded) throw new Refusal(429, "too_many", $"a stream holds at most {ReceiverStream.MaxExcluded} removed subjects");
            if (excluded.Length != stream.Excluded.Length)
            {
                await catalog.ReplaceAsync(receiver with { Stream = stream with { Excluded = excluded } }, Actor, add ? "subject added" : "subject removed");
            }
            return add ? Results.Ok() : Results.NoContent();
        }

        public async Task<IResult> VerifyAsync()
        {
            var body = await BodyAsync();
            var receiver = await OwnedAsync(StreamId(body));
            await catalog.VerifyAsync(receiver, String(body, "state", MaxState));
            return Results.NoContent();
        }

        public async Task<IResult> PollAsync(string stream)
        {
            var receiver = await OwnedAsync(stream);
            if (receiver.Settings.Kind != ReceiverSettings.SsfPoll) throw Bad($"stream {stream} is delivered by push, not polled");
            var body = await BodyAsync();
            var max = body.TryGetProperty("maxEvents", out var m) ? m.ValueKind == JsonValueKind.Number && m.TryGetInt32(out var n) && n is >= 0 and <= SharedSignalsPoll.Window ? n
                : throw Bad($"maxEvents must be a whole number from 0 to {SharedSignalsPoll.Window}") : 100;
            var immediately = !body.TryGetProperty("returnImmediately", out var r) || (r.ValueKind is JsonValueKind.True or JsonValueKind.False ? r.GetBoolean()
                : throw Bad("returnImmediately must be true or false"));
            var ack = new List<string>();
            if (body.TryGetProperty("ack", out var a))
            {
                if (a.ValueKind != JsonValueKind.Array || a.GetArrayLength() > SharedSignalsPoll.Window) throw Bad($"ack must be an array of at most {SharedSignalsPoll.Window} jti");
                foreach (var j in a.EnumerateArray()) ack.Add(j.ValueKind == JsonValueKind.String && j.GetString() is { Length: > 0 and <= 256 } s ? s : throw Bad("ack must hold jti strings"));
            }
            var errors = new Dictionary<string, string>(StringComparer.Ordinal);
            if (body.TryGetProperty("setErrs", out var e))
            {
                if (e.ValueKind != JsonValueKind.Object) throw Bad("setErrs must be an object of jti to {err, description}");
                foreach (var p in e.EnumerateObject())
                {
                    if (errors.Count >= SharedSignalsPoll.Window || p.Name.Length is 0 or > 256 || p.Value.ValueKind != JsonValueKind.Object) throw Bad("setErrs must be an object of jti to {err, description}");
                    var err = p.Value.TryGetProperty("err", out var code) && code.ValueKind == JsonValueKind.String ? code.GetString() : null;
                    errors[p.Name] = ReceiverMessages.IsCode(err) ? err! : "(no error code)";
                }
            }
            var answer = await services.GetRequiredService<SharedSignalsPoll>().PollAsync(receiver, new SharedSignalsPoll.Request(max, immediately, ack, errors),
                catalog.Options.MaxPollWait, http.RequestAborted);
            var sets = new JsonObject();
            foreach (var (jti, set) in answer.Sets) sets[jti] = set;
            return Results.Json(new JsonObject { ["sets"] = sets, ["moreAvailable"] = answer.MoreAvailable });
        }

        /// <summary>The stream, when it exists and the caller may see it; 404 otherwise (as for one that does not exist: no probing).</summary>
        private async Task<Receiver> OwnedAsync(string id)
        {
            if (!ReceiverRules.IsName(id)) throw Bad("stream_id is required: the id the stream was created with");
            var receiver = await catalog.FindAsync(id);
            // A receiver configured or registered through the gRPC API is no stream to manage; a poll one may poll.
            var polled = receiver?.Settings.Kind == ReceiverSettings.SsfPoll && http.Request.Path.StartsWithSegments(PollPath);
            if (receiver is null || !May(receiver) || (receiver.Stream is null && !polled)) throw new Refusal(404, "not_found", $"no stream {id}");
            return receiver;
        }

        /// <summary>
        /// Whether the caller may see the stream: its creator or an admin; a configured poll receiver, a caller that may
        /// hear all its audiences. Anyone when callers are not authenticated.
        /// </summary>
        private bool May(Receiver receiver) => caller is null || caller.Permissions.Contains(Permissions.Admin)
            || (receiver.Stream is { } s ? s.Owner == caller.Name : receiver.Settings.Audiences.All(caller.Audiences.Contains));

        private async Task<JsonElement> BodyAsync()
        {
            if (http.Request.ContentLength > MaxBody) throw new Refusal(413, "invalid_request", $"the body is longer than {MaxBody} bytes");
            if (http.Request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            {
                throw new Refusal(415, "invalid_request", "the body must be application/json");
            }
            var body = await BoundedRead.ReadAsync(http.Request.Body, http.Request.ContentLength, MaxBody, http.RequestAborted)
                ?? throw new Refusal(413, "invalid_request", $"the body is longer than {MaxBody} bytes");
            try
            {
                using var doc = JsonDocument.Parse(body.AsMemory(), new JsonDocumentOptions { MaxDepth = 8 });
                return doc.RootElement.ValueKind == JsonValueKind.Object ? doc.RootElement.Clone() : throw Bad("the body must be a JSON object");
            }
            catch (JsonException)
            {
                throw Bad("the body is not JSON (or nests deeper than 8)");
            }
        }

        private static string StreamId(JsonElement body) => String(body, "stream_id", 64) ?? throw Bad("stream_id is required");

        private static string? String(JsonElement body, string member, int max)
        {
            if (!body.TryGetProperty(member, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            return v.ValueKind == JsonValueKind.String && v.GetString() is { } s && s.Length <= max && !s.Any(char.IsControl) ? s
                : throw Bad($"{member} must be a string of at most {max} characters");
        }

        private static string Description(JsonElement body, string otherwise) => String(body, "description", MaxDescription) ?? otherwise;

        private static string[] EventsRequested(JsonElement body, string[] otherwise)
        {
            if (!body.TryGetProperty("events_requested", out var v)) return otherwise;
            if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() > 32 || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || e.GetString()!.Length > 256))
            {
                throw Bad("events_requested must be an array of at most 32 event type URIs");
            }
            return [.. v.EnumerateArray().Select(e => e.GetString()!).Distinct()];
        }

        /// <summary>
        /// The stream's audiences: the caller's own (those it may hear), or, when it names <c>aud</c>, those, each of which it
        /// must be allowed to hear. Callers that are not authenticated must name them.
        /// </summary>
        private string[] Audiences(JsonElement body)
        {
            string[]? named = null;
            if (body.TryGetProperty("aud", out var aud))
            {
                named = aud.ValueKind switch
                {
                    JsonValueKind.String => [aud.GetString()!],
                    JsonValueKind.Array when aud.EnumerateArray().All(a => a.ValueKind == JsonValueKind.String) => [.. aud.EnumerateArray().Select(a => a.GetString()!)],
                    _ => throw Bad("aud must be a string or an array of strings"),
                };
            }
            if (caller is null) return named ?? throw Bad("aud is required: callers are not authenticated, so the service cannot tell which audiences the stream is for");
            if (named is null) return [.. caller.Audiences.Order(StringComparer.Ordinal)];
            if (named.FirstOrDefault(a => !caller.Audiences.Contains(a)) is { } other) throw new Refusal(403, "access_denied", $"caller {caller.Name} may not hear audience '{other}'");
            return named;
        }

        /// <summary>The receiver settings a stream's request describes, checked by the receiver rules (a bad one is 400 naming the member).</summary>
        private ReceiverSettings Settings(string name, JsonElement body, string[] audiences, ReceiverSettings? current)
        {
            var settings = current?.Copy() ?? new ReceiverSettings { Name = name, Kind = ReceiverSettings.SsfPush, Audiences = audiences };
            if (body.TryGetProperty("delivery", out var delivery))
            {
                if (delivery.ValueKind != JsonValueKind.Object) throw Bad("delivery must be an object");
                var method = String(delivery, "method", 64) ?? throw Bad("delivery.method is required");
                settings.Kind = method switch
                {
                    PushMethod => ReceiverSettings.SsfPush,
                    PollMethod => ReceiverSettings.SsfPoll,
                    _ => throw Bad($"delivery.method must be {PushMethod} or {PollMethod}"),
                };
                settings.Url = settings.Kind == ReceiverSettings.SsfPush ? String(delivery, "endpoint_url", 4096) ?? throw Bad("delivery.endpoint_url is required for push") : "";
                settings.AuthorizationHeader = settings.Kind == ReceiverSettings.SsfPush ? String(delivery, "authorization_header", ReceiverRules.MaxAuthorization) ?? "" : "";
            }
            else if (current is null)
            {
                // Section 8.1.1: without a delivery method the transmitter chooses; poll needs nothing of the receiver.
                settings.Kind = ReceiverSettings.SsfPoll;
            }
            if (String(body, "format", 32) is { } format) settings.SubjectFormat = format;
            else if (current is null) settings.SubjectFormat = "opaque";
            var problems = new List<string>();
            catalog.Check(settings, (field, why) => problems.Add($"{Member(field)} {why}"));
            return problems.Count == 0 ? settings : throw Bad(string.Join("; ", problems));
        }

        private static string Member(string field) => field switch
        {
            "url" => "delivery.endpoint_url",
            "authorization_header" => "delivery.authorization_header",
            "subject_format" => "format",
            "kind" => "delivery.method",
            "audiences" => "aud",
            _ => field,
        };

        /// <summary>The principal an SSF subject names (RFC 9493): opaque id, iss_sub of this issuer, email, or the user of a complex subject.</summary>
        private string Principal(JsonElement body)
        {
            if (!body.TryGetProperty("subject", out var subject) || subject.ValueKind != JsonValueKind.Object) throw Bad("subject is required: a subject identifier");
            if (String(subject, "format", 32) == "complex")
            {
                if (!subject.TryGetProperty("user", out var user) || user.ValueKind != JsonValueKind.Object) throw Bad("subject of format complex must name a user");
                subject = user;
            }
            var id = String(subject, "format", 32) switch
            {
                "opaque" => String(subject, "id", ReceiverRules.MaxId),
                "email" => String(subject, "email", ReceiverRules.MaxId),
                "iss_sub" => String(subject, "iss", 4096) == catalog.Issuer ? String(subject, "sub", ReceiverRules.MaxId)
                    : throw Bad($"subject iss must be this transmitter's issuer, {catalog.Issuer}"),
                _ => throw Bad("subject format must be opaque, iss_sub, email, or complex with a user of those"),
            };
            return ReceiverRules.IsId(id) ? id! : throw Bad($"subject must name a principal of 1 to {ReceiverRules.MaxId} characters");
        }

        private JsonObject Config(Receiver r)
        {
            var s = r.Settings;
            var delivery = new JsonObject
            {
                ["method"] = s.Kind == ReceiverSettings.SsfPoll ? PollMethod : PushMethod,
                ["endpoint_url"] = s.Kind == ReceiverSettings.SsfPoll ? PollUrl(catalog.Issuer, s.Name) : s.Url,
            };
            var requested = r.Stream?.EventsRequested ?? [SecurityEventTokens.SessionRevoked];
            var config = new JsonObject
            {
                ["stream_id"] = s.Name,
                ["iss"] = catalog.Issuer,
                ["aud"] = s.Audiences.Length == 1 ? s.Audiences[0] : new JsonArray([.. s.Audiences.Select(a => (JsonNode)a!)]),
                ["delivery"] = delivery,
                ["events_supported"] = new JsonArray([.. EventsSupported.Select(e => (JsonNode)e!)]),
                ["events_requested"] = new JsonArray([.. requested.Select(e => (JsonNode)e!)]),
                ["events_delivered"] = new JsonArray([.. requested.Where(EventsSupported.Contains).Select(e => (JsonNode)e!)]),
                ["format"] = s.SubjectFormat,
            };
            if (r.Stream is { Description.Length: > 0 } stream) config["description"] = stream.Description;
            return config;
        }

        private static JsonObject Status(Receiver r)
        {
            var status = new JsonObject { ["stream_id"] = r.Name, ["status"] = r.Stream?.Status ?? ReceiverStream.StatusEnabled };
            if (r.Stream is { StatusReason.Length: > 0 } s) status["reason"] = s.StatusReason;
            return status;
        }
    }
}
