using System.Net;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using SessionPolicy.Server.Hosting;

namespace SessionPolicy.Server.Revocation;

/// <summary>
/// IAM's Query API (version 2010-05-08) for a role's inline policies: form-encoded POSTs signed with the AWS SDK core's
/// Signature Version 4 signer, answers read as IAM's XML (bounded to 1 MiB). Throttling, 5xx and network errors are
/// retried with exponential backoff and jitter; every other refusal is an <see cref="IamFailure"/> at once.
/// </summary>
internal sealed class IamQueryClient : IIamRolePolicies, IDisposable
{
    private const string Version = "2010-05-08";
    private const int MaxAnswerBytes = 1 << 20;
    private static readonly XNamespace Ns = "https://iam.amazonaws.com/doc/2010-05-08/";

    private readonly HttpClient _http;
    private readonly AWSCredentials _credentials;
    private readonly RevocationOptions _options;
    private readonly Uri _endpoint;
    private readonly SigningConfig _config;

    public IamQueryClient(RevocationOptions options, AWSCredentials credentials)
    {
        _options = options;
        _credentials = credentials;
        _endpoint = new Uri(options.ServiceUrl.Length > 0 ? options.ServiceUrl : "https://iam.amazonaws.com/");
        _config = new SigningConfig(_endpoint.ToString(), options.Region);
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public async Task<string?> GetRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await CallAsync("GetRolePolicy", [("RoleName", roleName), ("PolicyName", policyName)], cancellationToken);
            var encoded = answer.Descendants(Ns + "PolicyDocument").FirstOrDefault()?.Value
                ?? throw new IamFailure(IamFailureKind.Refused, "MalformedAnswer", "", "GetRolePolicy");
            // IAM returns the document URL-encoded (RFC 3986).
            return Uri.UnescapeDataString(encoded);
        }
        catch (IamFailure e) when (e.Kind == IamFailureKind.NoSuchRole)
        {
            // NoSuchEntity names either the role or the policy; a missing role fails the put that follows.
            return null;
        }
    }

    public Task PutRolePolicyAsync(string roleName, string policyName, string document, CancellationToken cancellationToken) =>
        CallAsync("PutRolePolicy", [("RoleName", roleName), ("PolicyName", policyName), ("PolicyDocument", document)], cancellationToken);

    public async Task DeleteRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync("DeleteRolePolicy", [("RoleName", roleName), ("PolicyName", policyName)], cancellationToken);
        }
        catch (IamFailure e) when (e.Kind == IamFailureKind.NoSuchRole)
        {
            // Gone already: what deleting wanted.
        }
    }

    private async Task<XElement> CallAsync(string action, (string Name, string Value)[] parameters, CancellationToken cancellationToken)
    {
        var body = new StringBuilder("Action=").Append(action).Append("&Version=").Append(Version);
        foreach (var (name, value) in parameters) body.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        var content = Encoding.UTF8.GetBytes(body.ToString());
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await AttemptAsync(action, content, cancellationToken);
            }
            catch (IamFailure e) when (e.Kind == IamFailureKind.Unavailable && attempt < _options.MaxErrorRetry)
            {
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= _options.MaxErrorRetry) throw new IamFailure(IamFailureKind.Unavailable, e is OperationCanceledException ? "Timeout" : "NoAnswer", "", action);
            }
            // Real time: a retry waits on the network, not on the clock sessions are measured by.
            await Task.Delay(Backoff(attempt), cancellationToken);
        }
    }

    /// <summary>Full jitter over 100 ms doubling per attempt, at most 5 s.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(5_000, 100 * Math.Pow(2, attempt)));

    private async Task<XElement> AttemptAsync(string action, byte[] content, CancellationToken cancellationToken)
    {
        var signed = new DefaultRequest(new QueryRequest(), "IAM") { HttpMethod = "POST", Endpoint = _endpoint, ResourcePath = "/", Content = content };
        signed.Headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8";
        signed.AuthenticationRegion = _options.Region;
        var identity = await _credentials.GetCredentialsAsync();
        if (identity.UseToken) signed.Headers["X-Amz-Security-Token"] = identity.Token;
        new AWS4Signer().Sign(signed, _config, null, _credentials);

        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(content) };
        foreach (var (name, value) in signed.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) request.Content.Headers.TryAddWithoutValidation(name, value);
            else if (!name.Equals("host", StringComparison.OrdinalIgnoreCase)) request.Headers.TryAddWithoutValidation(name, value);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        // A request id is a UUID-like token for AWS support; anything else an answer carries there is not passed on.
        var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) && ids.First() is { Length: <= 64 } id
            && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? id : "";
        var answer = await ReadAsync(response, action, requestId, timeout.Token);
        if (response.IsSuccessStatusCode) return answer;
        var code = answer.Descendants(Ns + "Code").FirstOrDefault()?.Value ?? answer.Descendants("Code").FirstOrDefault()?.Value ?? $"HTTP{(int)response.StatusCode}";
        // IAM's codes are short identifiers; anything else is not passed on.
        if (code.Length > 64 || !code.All(char.IsAsciiLetterOrDigit)) code = $"HTTP{(int)response.StatusCode}";
        throw new IamFailure(IamFailure.KindOf(code, (int)response.StatusCode), code, requestId, action);
    }

    private static async Task<XElement> ReadAsync(HttpResponseMessage response, string action, string requestId, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var answer = await BoundedRead.ReadAsync(stream, response.Content.Headers.ContentLength, MaxAnswerBytes, cancellationToken)
            ?? throw new IamFailure(IamFailureKind.Refused, "AnswerTooLarge", requestId, action);
        using var buffer = new MemoryStream(answer.Array!, answer.Offset, answer.Count, writable: false);
        try
        {
            using var reader = XmlReader.Create(buffer, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = MaxAnswerBytes });
            return XElement.Load(reader);
        }
        catch (XmlException)
        {
            if (response.StatusCode >= HttpStatusCode.InternalServerError) throw new IamFailure(IamFailureKind.Unavailable, $"HTTP{(int)response.StatusCode}", requestId, action);
            throw new IamFailure(IamFailureKind.Refused, "MalformedAnswer", requestId, action);
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The request the signer signs; carries nothing of its own.</summary>
    private sealed class QueryRequest : AmazonWebServiceRequest;

    /// <summary>What the signer reads of a client's configuration: the endpoint, region and service name.</summary>
    private sealed class SigningConfig : ClientConfig
    {
        public SigningConfig(string url, string region) : base(new NoDefaults())
        {
            ServiceURL = url;
            AuthenticationRegion = region;
            AuthenticationServiceName = "iam";
        }

        public override string RegionEndpointServiceName => "iam";
        public override string ServiceVersion => Version;
        public override string UserAgent => "session-policy";
        public override Amazon.Runtime.Endpoints.Endpoint DetermineServiceOperationEndpoint(Amazon.Runtime.Endpoints.ServiceOperationEndpointParameters parameters) => new(ServiceURL);
    }

    private sealed class NoDefaults : IDefaultConfigurationProvider
    {
        public IDefaultConfiguration GetDefaultConfiguration(Amazon.RegionEndpoint clientRegion, DefaultConfigurationMode? requestedConfigurationMode = null) => new DefaultConfiguration();
    }
}
