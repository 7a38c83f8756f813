using System.Net;

namespace OnedriveOffsite.Engine.Notifications;

/// <summary>
/// Replaces known secret values (SMTP password, AWS secret key, session token) in text that leaves the
/// process: mail bodies and error messages. Servers echo input in their replies, and libraries put server
/// replies into exception messages, so we cannot rely on every message being clean by construction.
/// </summary>
public sealed class SecretMasker
{
    public const string Placeholder = "********";
    private readonly string[] _secrets;

    public SecretMasker(IEnumerable<string?> secrets) =>
        // Very short values would mask ordinary words and tell an observer the secret's length; real secrets are longer.
        // Each secret is also masked in its HTML-encoded form (&amp; &lt; &quot; &#39; ...), which is how it appears in
        // the HTML body of a mail: the masker runs on finished bodies, after the composer encoded them.
        _secrets = secrets.Where(s => !string.IsNullOrEmpty(s) && s!.Length >= 4).Select(s => s!)
            .SelectMany(s => new[] { s, WebUtility.HtmlEncode(s) })
            .Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToArray();

    public static readonly SecretMasker Empty = new(Array.Empty<string>());

    public SecretMasker With(params string?[] more) => new(_secrets.Concat(more));

    public string Mask(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        foreach (var secret in _secrets) text = text.Replace(secret, Placeholder, StringComparison.Ordinal);
        return text;
    }
}
