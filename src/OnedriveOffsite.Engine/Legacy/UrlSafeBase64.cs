using System.Buffers;
using System.Buffers.Text;

namespace OnedriveOffsite.Engine.Legacy;

/// <summary>
/// Url-safe base64 as Python's base64.urlsafe_b64encode writes it (with '=' padding). Hand-written because
/// System.Buffers.Text.Base64Url only exists from .NET 9 and the engine targets net8.0: we map '-'/'_' to
/// '+'/'/' in place and use the BCL's standard decoder, which also rejects every other character.
/// </summary>
internal static class UrlSafeBase64
{
    public static byte ToStandard(byte c) => c switch { (byte)'-' => (byte)'+', (byte)'_' => (byte)'/', _ => c };

    /// <summary>Decodes <paramref name="text"/> in place; returns the decoded length, or -1 if it is not valid base64.</summary>
    public static int DecodeInPlace(Span<byte> text)
    {
        for (var i = 0; i < text.Length; i++) text[i] = ToStandard(text[i]);
        return Base64.DecodeFromUtf8InPlace(text, out var written) == OperationStatus.Done ? written : -1;
    }
}
