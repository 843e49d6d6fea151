using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Hosting;

namespace SessionPolicy.Server.Receivers;

/// <summary>
/// The one way the service calls a receiver: no redirects followed, no proxy, no cookies; each new connection
/// resolves the host again and connects only to an address <see cref="ReceiverAddresses"/> allows (so a name that
/// resolves to a metadata or private address later, DNS rebinding, is refused at that connection); one deadline from
/// connecting to the answer's last byte; at most <see cref="ReceiverOptions.MaxResponseBytes"/> read. Whatever the
/// receiver does, the caller gets a <see cref="ReceiverAnswer"/>, never an exception of the receiver's making.
/// </summary>
internal sealed class ReceiverHttp : IDisposable
{
    private readonly ReceiverOptions _options;
    private readonly IReceiverResolver _resolver;
    private readonly TimeProvider _time;
    private readonly HttpClient _client;

    public ReceiverHttp(IOptions<ReceiverOptions> options, IReceiverResolver resolver, TimeProvider time)
    {
        _options = options.Value;
        _resolver = resolver;
        _time = time;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = _options.RequestTimeout,
            // A pooled connection stays on the address it was vetted for; a new one is resolved and vetted again.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxResponseHeadersLength = 16,
            ConnectCallback = ConnectAsync,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Sends <paramref name="request"/> and reads the answer within the deadline and the size bound.</summary>
    public async Task<ReceiverAnswer> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.RequestTimeout);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var body = await ReadAsync(response.Content, deadline.Token);
            if (body is null) return ReceiverAnswer.Failed(ReceiverFailure.TooLarge, $"the answer is longer than {_options.MaxResponseBytes} bytes");
            return ReceiverAnswer.Answered(response.StatusCode, body, RetryAfter(response));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ReceiverAnswer.Failed(ReceiverFailure.Timeout, $"no answer within {_options.RequestTimeout.TotalMilliseconds:0} ms");
        }
        catch (HttpRequestException e) when (e.InnerException is ReceiverRefusedException refused)
        {
            return ReceiverAnswer.Failed(ReceiverFailure.Refused, refused.Message);
        }
        catch (HttpRequestException e)
        {
            // The receiver's own words (TLS, DNS, socket messages) are not relayed: the kind of error is.
            return ReceiverAnswer.Failed(ReceiverFailure.Unreachable, e.HttpRequestError.ToString());
        }
    }

    /// <summary>The body as text, or null when it is longer than allowed.</summary>
    private async Task<string?> ReadAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        return await BoundedRead.ReadAsync(stream, content.Headers.ContentLength, _options.MaxResponseBytes, cancellationToken) is { } body
            ? System.Text.Encoding.UTF8.GetString(body)
            : null;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > _time.GetUtcNow() ? date - _time.GetUtcNow() : TimeSpan.Zero,
        _ => null,
    };

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await _resolver.ResolveAsync(host, cancellationToken);
        var refusals = addresses.Select(a => (Address: a, Why: ReceiverAddresses.Refusal(a, _options))).ToList();
        var allowed = refusals.Where(r => r.Why is null).Select(r => r.Address).ToArray();
        if (allowed.Length == 0)
        {
            throw new ReceiverRefusedException(refusals.Count == 0 ? $"{host} does not resolve" : $"{host} resolves only to refused addresses ({refusals[0].Why})");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>Resolves a receiver's host name at each new connection (a seam for tests of DNS rebinding).</summary>
internal interface IReceiverResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>The system's resolver.</summary>
internal sealed class DnsReceiverResolver : IReceiverResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) => Dns.GetHostAddressesAsync(host, cancellationToken);
}

/// <summary>A connection the service will not make: the receiver's name resolves only to addresses it may not reach.</summary>
internal sealed class ReceiverRefusedException(string message) : Exception(message);

/// <summary>Why a call to a receiver got no usable answer.</summary>
internal enum ReceiverFailure
{
    None,
    Refused,
    Unreachable,
    Timeout,
    TooLarge,
}

/// <summary>What came of one call: the receiver's status, body (bounded) and <c>Retry-After</c>, or why there was no answer.</summary>
internal sealed record ReceiverAnswer(HttpStatusCode? Status, string Body, TimeSpan? RetryAfter, ReceiverFailure Failure, string Why)
{
    public static ReceiverAnswer Answered(HttpStatusCode status, string body, TimeSpan? retryAfter) => new(status, body, retryAfter, ReceiverFailure.None, "");

    public static ReceiverAnswer Failed(ReceiverFailure failure, string why) => new(null, "", null, failure, why);
}
