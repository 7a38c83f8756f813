using System.Security.Authentication;

namespace OnedriveOffsite.Engine.IO;

/// <summary>
/// Recognises a connection that failed because the server's TLS certificate was not accepted (untrusted CA, as
/// behind an HTTPS-inspecting proxy or with a private CA; wrong name; expired): .NET reports it as an
/// <see cref="AuthenticationException"/> somewhere inside the HttpRequestException (or MSAL's wrapper). Such a
/// failure is no network outage: retrying does not help and "could not be reached" would send the admin the
/// wrong way, so messages say what it is and how to trust a custom CA.
/// </summary>
public static class TlsFailure
{
    /// <summary>The certificate/handshake failure in <paramref name="exception"/>'s inner chain, or null.</summary>
    public static AuthenticationException? Find(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException auth) return auth;
            if (e is AggregateException { InnerExceptions.Count: 1 } aggregate && Find(aggregate.InnerExceptions[0]) is { } inner)
                return inner;
        }
        return null;
    }

    /// <summary>A sentence naming the TLS/certificate problem with <paramref name="peer"/> and what to do about it.</summary>
    public static string Explain(string peer, AuthenticationException failure) =>
        $"a TLS/certificate problem stopped the connection to {peer} ({failure.Message.TrimEnd('.')}). "
        + "The server's certificate was not trusted: if a proxy inspects HTTPS traffic or the server uses a custom (company) CA, "
        + "add that CA to the system's trusted certificates, or on Linux/macOS point SSL_CERT_FILE at a PEM file that holds it.";
}
