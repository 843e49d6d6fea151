using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Grpc.Net.Client;
using SessionPolicy.V1;

namespace SessionPolicy.Cli.Commands;

/// <summary>
/// <c>policyctl credential-process</c>: asks the server for an STS session (IssueSession) and prints it in
/// the format AWS SDKs and the AWS CLI read from a <c>credential_process</c> (Version 1), so they fetch a
/// new short session by themselves when the last one expires. Nothing but that JSON goes to standard
/// output; errors go to standard error with a non-zero exit code, which the SDKs report. Issued credentials are
/// cached (<see cref="CredentialCache"/>) and handed back until they are about to expire, unless <c>--no-cache</c>.
/// </summary>
internal static class CredentialProcessCommand
{
    public static Command Create(TextWriter output, TextWriter error, Func<Connection, GrpcChannel> connect)
    {
        var options = new RequestOptions();
        var sessionName = new Option<string>("--session-name") { Description = "STS RoleSessionName; default the principal id." };
        var sourceIdentity = new Option<string>("--source-identity") { Description = "STS SourceIdentity." };
        var sessionTags = new Option<string[]>("--tag") { Description = "A session tag as KEY=VALUE (repeatable)." };
        var transitive = new Option<string[]>("--transitive-tag") { Description = "A session tag key that passes to chained roles (repeatable)." };
        var externalId = new Option<string>("--external-id") { Description = "STS ExternalId the role's trust policy requires." };
        var policyArns = new Option<string[]>("--policy-arn") { Description = "A managed policy ARN that scopes the session down (repeatable)." };
        var policyFile = new Option<FileInfo>("--policy-file") { Description = "A JSON file with an inline session policy." };
        var noCache = new Option<bool>("--no-cache") { Description = "Issue new credentials every time; keep none on disk." };
        var cacheDir = new Option<string>("--cache-dir") { Description = "Where issued credentials are kept (default $XDG_CACHE_HOME/session-policy/credentials)." };
        var command = new Command("credential-process",
            "Print short-lived AWS credentials for an AWS credential_process (Version 1 JSON), issued by the server with the decided duration.");
        options.AddTo(command);
        foreach (var option in new Option[] { sessionName, sourceIdentity, sessionTags, transitive, externalId, policyArns, policyFile, noCache, cacheDir }) command.Options.Add(option);

        command.SetAction(async (parse, cancel) =>
        {
            if (!options.TryBuild(parse, error, out var principal, out var role, out var context)) return PolicyCtl.InputError;
            var request = new IssueSessionRequest
            {
                Principal = principal,
                Role = role,
                Context = context,
                RoleSessionName = parse.GetValue(sessionName) ?? options.PrincipalId(parse),
                SourceIdentity = parse.GetValue(sourceIdentity) ?? "",
                ExternalId = parse.GetValue(externalId) ?? "",
            };
            if (!RequestOptions.AddPairs(request.SessionTags, parse.GetValue(sessionTags), "--tag", error)) return PolicyCtl.InputError;
            request.TransitiveTagKeys.Add(parse.GetValue(transitive) ?? []);
            request.PolicyArns.Add(parse.GetValue(policyArns) ?? []);
            if (parse.GetValue(policyFile) is { } file)
            {
                if (!file.Exists)
                {
                    error.WriteLine($"--policy-file {file.FullName}: no such file");
                    return PolicyCtl.InputError;
                }
                request.InlinePolicy = await File.ReadAllTextAsync(file.FullName, cancel);
            }

            CredentialCache? cache = null;
            string? key = null;
            if (!parse.GetValue(noCache) && options.Connection.TryRead(parse, TextWriter.Null, out var connection))
            {
                cache = new CredentialCache(parse.GetValue(cacheDir) ?? CredentialCache.DefaultFolder());
                key = CredentialCache.Key(connection, request);
                if (cache.Get(key, DateTimeOffset.UtcNow) is { } cached)
                {
                    output.WriteLine(cached);
                    return 0;
                }
            }
            return await ServerCalls.RunAsync(options.Connection, parse, error, connect, async (grpc, headers) =>
            {
                var response = await new SessionCredentialsService.SessionCredentialsServiceClient(grpc).IssueSessionAsync(request, headers, cancellationToken: cancel);
                var json = Format(response.Credentials);
                if (cache is not null && !cache.Put(key!, json)) error.WriteLine($"credentials not cached: {cache.Folder} is not private to this user (0700, no link)");
                output.WriteLine(json);
                return 0;
            });
        });
        return command;
    }

    /// <summary>The credential_process JSON: Version 1, the keys, and Expiration in ISO 8601 (UTC).</summary>
    public static string Format(V1.Credentials credentials)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("Version", 1);
            json.WriteString("AccessKeyId", credentials.AccessKeyId);
            json.WriteString("SecretAccessKey", credentials.SecretAccessKey);
            json.WriteString("SessionToken", credentials.SessionToken);
            json.WriteString("Expiration", credentials.Expiration.ToDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
