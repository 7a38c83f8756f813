using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OnedriveOffsite.Tests.Notifications;

/// <summary>One HTTP request as it arrived on the wire: header names lower-cased, values as sent.</summary>
public sealed record ReceivedHttpRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>
/// A tiny HTTP/1.1 server on 127.0.0.1 with an OS-chosen port. Hand-written on TcpListener because
/// HttpListener cannot bind port 0 and we need the raw header values exactly as sent to re-check the signature.
/// Answers every request with the configured response and closes the connection.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<ReceivedHttpRequest> _requests = new();

    public LoopbackHttpServer(int status, string body, params (string Name, string Value)[] headers)
    {
        Status = status;
        ResponseBody = body;
        ResponseHeaders = headers;
        _listener.Start();
        _loop = Task.Run(AcceptLoop);
    }

    public int Status { get; }
    public string ResponseBody { get; }
    public (string Name, string Value)[] ResponseHeaders { get; }
    public Uri BaseUri => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    public IReadOnlyList<ReceivedHttpRequest> Requests
    {
        get { lock (_requests) return _requests.ToArray(); }
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            using (client) await Serve(client.GetStream());
        }
    }

    private async Task Serve(NetworkStream stream)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var head = await ReadHead(stream, timeout.Token);
        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }
        var length = headers.TryGetValue("content-length", out var cl) ? int.Parse(cl) : 0;
        var body = new byte[length];
        await stream.ReadExactlyAsync(body, timeout.Token);
        lock (_requests) _requests.Add(new ReceivedHttpRequest(requestLine[0], requestLine[1], headers, body));

        var payload = Encoding.UTF8.GetBytes(ResponseBody);
        var response = new StringBuilder($"HTTP/1.1 {Status} X\r\nContent-Type: application/json\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n");
        foreach (var (name, value) in ResponseHeaders) response.Append(name).Append(": ").Append(value).Append("\r\n");
        response.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response.ToString()), timeout.Token);
        await stream.WriteAsync(payload, timeout.Token);
    }

    private static async Task<string> ReadHead(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        // Byte by byte up to the blank line, so nothing of the body is consumed here.
        while (!(buffer.Count >= 4 && buffer[^4] == '\r' && buffer[^3] == '\n' && buffer[^2] == '\r' && buffer[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, ct) == 0) throw new IOException("connection closed in headers");
            buffer.Add(one[0]);
        }
        return Encoding.ASCII.GetString(buffer.ToArray(), 0, buffer.Count - 4);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try { await _loop.WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { }
        _stop.Dispose();
    }
}
