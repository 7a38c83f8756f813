using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace OnedriveOffsite.Tests.Notifications;

/// <summary>What the server received in one transaction.</summary>
public sealed record ReceivedMail(string? AuthenticatedUser, bool Secure, string EnvelopeFrom, IReadOnlyList<string> EnvelopeTo, byte[] Raw)
{
    public MimeMessage Message => MimeMessage.Load(new MemoryStream(Raw));
}

/// <summary>
/// A real SMTP server (the SmtpServer package) on 127.0.0.1 with an OS-chosen port, STARTTLS with a
/// self-signed certificate, and AUTH required and only allowed after TLS. Records credentials and messages.
/// </summary>
public sealed class LoopbackSmtpServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SmtpServer.SmtpServer _server;
    private readonly Task _running;

    private LoopbackSmtpServer(string user, string password, int port, SmtpServer.SmtpServer server, Task running, Store store, ConcurrentQueue<(string, string)> logins)
    {
        User = user;
        Password = password;
        Port = port;
        _server = server;
        _running = running;
        Mails = store.Mails;
        Logins = logins;
    }

    public string User { get; }
    public string Password { get; }
    public int Port { get; }
    public ConcurrentQueue<ReceivedMail> Mails { get; }
    /// <summary>Every AUTH attempt as (user, password) exactly as the server decoded it.</summary>
    public ConcurrentQueue<(string User, string Password)> Logins { get; }

    /// <param name="offerTls">False: a server without STARTTLS that accepts AUTH in plain text (a misconfigured relay).</param>
    public static async Task<LoopbackSmtpServer> StartAsync(string user, string password, bool offerTls = true)
    {
        var started = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listeners = new EndpointListenerFactory();
        listeners.EndpointStarted += (_, e) => started.TrySetResult(((IPEndPoint)e.LocalEndPoint).Port);
        var logins = new ConcurrentQueue<(string, string)>();
        var store = new Store();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(b =>
            {
                b.Endpoint(new IPEndPoint(IPAddress.Loopback, 0)).AuthenticationRequired(true);
                if (offerTls) b.Certificate(TestCertificates.Server).AllowUnsecureAuthentication(false);
                else b.AllowUnsecureAuthentication(true);
            })
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(listeners);
        services.Add(store);
        services.Add(new DelegatingUserAuthenticator((u, p) =>
        {
            logins.Enqueue((u, p));
            return u == user && p == password;
        }));
        var server = new SmtpServer.SmtpServer(options, services);
        var stop = new CancellationTokenSource();
        var running = server.StartAsync(stop.Token);
        var port = await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var result = new LoopbackSmtpServer(user, password, port, server, running, store, logins);
        result._stop.Token.Register(stop.Cancel);
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        _server.Shutdown();
        _stop.Cancel();
        try { await _running.WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { }
        _stop.Dispose();
    }

    private sealed class Store : MessageStore
    {
        public ConcurrentQueue<ReceivedMail> Mails { get; } = new();

        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            Mails.Enqueue(new ReceivedMail(
                context.Authentication.IsAuthenticated ? context.Authentication.User : null,
                context.Pipe.IsSecure,
                transaction.From.User + "@" + transaction.From.Host,
                transaction.To.Select(m => m.User + "@" + m.Host).ToArray(),
                buffer.ToArray()));
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
