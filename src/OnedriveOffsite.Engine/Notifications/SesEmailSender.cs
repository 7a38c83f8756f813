using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Amazon;
using Amazon.Runtime.Signing;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Notifications;

/// <summary>
/// Sends through the Amazon SES v2 HTTP API. Credentials and the SigV4 signature come from AWSSDK.Core
/// (<see cref="SigV4SigningHandler"/>); the request itself is plain HttpClient because AWSSDK.SimpleEmailV2 is
/// not served by our package registry.
/// </summary>
public sealed class SesEmailSender : IEmailSender
{
    public const string SigningService = "ses";
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private readonly NotificationSettings _settings;
    private readonly SesSettings _ses;

    public SesEmailSender(NotificationSettings settings)
    {
        _settings = settings;
        _ses = settings.Ses ?? throw NotificationErrors.Invalid("The SES settings are missing.");
    }

    public async Task<string?> SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        // Checked again here for settings stored before the validator refused them (or edited by hand).
        if (_ses.EffectiveEndpoint is { Scheme: "http", IsLoopback: false } plain)
            throw NotificationErrors.Invalid(
                $"The SES endpoint '{plain}' uses plain http; only https is accepted, except for a loopback host. Run " +
                $"Set-OffsiteNotification again.", plain);
        var credentials = await AwsCredentialSource.ResolveAsync(_ses.Profile, cancellationToken).ConfigureAwait(false);
        var resolved = await credentials.GetCredentialsAsync().ConfigureAwait(false);
        var masker = new SecretMasker([resolved.SecretKey, resolved.Token]);
        var body = SesSendEmailRequest.Build(_settings, message.Masked(masker));
        var uri = new Uri(_ses.EffectiveEndpoint, SesSendEmailRequest.Path);

        // Redirects off: a redirect followed below the signer would arrive with a stale or stripped signature.
        using var transport = new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = RequestTimeout };
        using var signer = new SigV4SigningHandler(credentials, RegionEndpoint.GetBySystemName(_ses.Region), SigningService, transport);
        using var http = new HttpClient(signer, disposeHandler: false) { Timeout = RequestTimeout };
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        // Exactly "application/json" (no charset parameter), as SES documents it.
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException
            || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var reason = ex is TaskCanceledException ? $"no answer within {RequestTimeout.TotalSeconds:0} s" : ex.Message;
            throw NotificationErrors.Failed(
                masker.Mask($"Amazon SES at {uri.GetLeftPart(UriPartial.Authority)} could not be reached: {reason}"), target: uri);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode) return ReadString(text, "MessageId");
            throw MapError(response, text, masker);
        }
    }

    private static OffsiteException MapError(HttpResponseMessage response, string text, SecretMasker masker)
    {
        // x-amzn-ErrorType may carry a ":<namespace url>" suffix; the JSON error body spells "message" either way.
        var type = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.First().Split(':')[0] : null;
        type ??= ReadString(text, "__type") ?? ReadString(text, "code") ?? response.StatusCode.ToString();
        var detail = ReadString(text, "message") ?? ReadString(text, "Message") ?? "no details";
        var status = (int)response.StatusCode;
        var category = status switch
        {
            401 or 403 => OffsiteErrorCategory.AuthenticationError,
            429 => OffsiteErrorCategory.LimitsExceeded,
            400 or 404 => OffsiteErrorCategory.InvalidOperation,
            _ => OffsiteErrorCategory.ConnectionError,
        };
        return NotificationErrors.Failed(masker.Mask($"Amazon SES refused the mail ({type}, HTTP {status}): {detail}"), category);
    }

    private static string? ReadString(string json, string property)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
