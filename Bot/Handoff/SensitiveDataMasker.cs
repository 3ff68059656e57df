using System.Text;
using System.Text.RegularExpressions;

namespace HandoffBot.Handoff;

/// <summary>
/// Masks identifiers an agent does not need to see in full: payment card numbers (13-19 digits, Luhn-valid, with
/// or without spaces/dashes), IBANs (mod-97 valid) and SSN-like numbers (123-45-6789). The last four characters stay,
/// so the agent can still confirm "the card ending 1234".
/// </summary>
public static partial class SensitiveDataMasker
{
    [GeneratedRegex(@"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])", RegexOptions.CultureInvariant)]
    private static partial Regex CardCandidate();

    [GeneratedRegex(@"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b", RegexOptions.CultureInvariant)]
    private static partial Regex IbanCandidate();

    [GeneratedRegex(@"(?<!\d)\d{3}[- ]\d{2}[- ]\d{4}(?!\d)", RegexOptions.CultureInvariant)]
    private static partial Regex SsnLike();

    public static string Mask(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }
        var masked = CardCandidate().Replace(text, m => IsLuhnValid(Digits(m.Value)) ? $"[card ****{Last4(m.Value)}]" : m.Value);
        masked = IbanCandidate().Replace(masked, m => IsIban(m.Value) ? $"[IBAN ****{Last4(m.Value)}]" : m.Value);
        return SsnLike().Replace(masked, m => $"[ID ***-**-{Last4(m.Value)}]");
    }

    public static bool IsLuhnValid(string digits)
    {
        if (digits.Length is < 13 or > 19)
        {
            return false;
        }
        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }
            sum += d;
            doubleIt = !doubleIt;
        }
        return sum % 10 == 0;
    }

    private static bool IsIban(string candidate)
    {
        var compact = candidate.Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        if (compact.Length is < 15 or > 34)
        {
            return false;
        }
        var rearranged = string.Concat(compact.AsSpan(4), compact.AsSpan(0, 4));
        var remainder = 0;
        foreach (var c in rearranged)
        {
            var value = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetterUpper(c) ? c - 'A' + 10 : -1;
            if (value < 0)
            {
                return false;
            }
            remainder = value >= 10 ? ((remainder * 100) + value) % 97 : ((remainder * 10) + value) % 97;
        }
        return remainder == 1;
    }

    private static string Digits(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (char.IsAsciiDigit(c))
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }

    private static string Last4(string value)
    {
        var compact = value.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal);
        return compact.Length <= 4 ? compact : compact[^4..];
    }
}
