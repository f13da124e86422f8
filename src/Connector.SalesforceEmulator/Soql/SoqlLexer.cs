using System.Text;

namespace Connector.SalesforceEmulator.Soql;

internal enum TokenKind
{
    Identifier,
    String,
    Number,
    Date,
    DateTime,
    Comma,
    Dot,
    Colon,
    LeftParen,
    RightParen,
    Operator,
    End,
}

/// <summary>One lexeme; <see cref="Start"/> is the offset in the statement, for error positions.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Start, string? Value = null)
{
    public bool Is(string keyword) => Kind == TokenKind.Identifier && Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);

    /// <summary>How the real parser names the token in "unexpected token: '…'".</summary>
    public string Display => Kind == TokenKind.End ? "<EOF>" : Text;
}

/// <summary>Splits a SOQL statement into tokens. String escapes are checked here (fact sheet §2.12).</summary>
internal static class SoqlLexer
{
    public static List<Token> Tokenize(string soql)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (true)
        {
            while (i < soql.Length && char.IsWhiteSpace(soql[i]))
            {
                i++;
            }

            if (i >= soql.Length)
            {
                tokens.Add(new Token(TokenKind.End, string.Empty, soql.Length));
                return tokens;
            }

            var c = soql[i];
            var start = i;
            switch (c)
            {
                case ',':
                    tokens.Add(new Token(TokenKind.Comma, ",", i++));
                    continue;
                case '.':
                    tokens.Add(new Token(TokenKind.Dot, ".", i++));
                    continue;
                case ':':
                    tokens.Add(new Token(TokenKind.Colon, ":", i++));
                    continue;
                case '(':
                    tokens.Add(new Token(TokenKind.LeftParen, "(", i++));
                    continue;
                case ')':
                    tokens.Add(new Token(TokenKind.RightParen, ")", i++));
                    continue;
                case '=':
                    tokens.Add(new Token(TokenKind.Operator, "=", i++));
                    continue;
                case '!' when Peek(soql, i + 1) == '=':
                    tokens.Add(new Token(TokenKind.Operator, "!=", i));
                    i += 2;
                    continue;
                case '<':
                case '>':
                    var two = Peek(soql, i + 1);
                    var op = c == '<' && two == '>' ? "<>" : two == '=' ? c + "=" : c.ToString();
                    tokens.Add(new Token(TokenKind.Operator, op, i));
                    i += op.Length;
                    continue;
                case '\'':
                    tokens.Add(ReadString(soql, ref i));
                    continue;
            }

            if (char.IsAsciiDigit(c) || ((c is '-' or '+') && char.IsAsciiDigit(Peek(soql, i + 1))))
            {
                tokens.Add(ReadNumberOrDate(soql, ref i));
                continue;
            }

            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < soql.Length && (char.IsAsciiLetterOrDigit(soql[i]) || soql[i] == '_'))
                {
                    i++;
                }

                // Currency literals (USD5000, USD5000.50, USD-500) lex as one word.
                if (i - start == 3 && (soql[i - 1] != '_') && Peek(soql, i) == '-' && char.IsAsciiDigit(Peek(soql, i + 1)))
                {
                    i++;
                    SkipDigits(soql, ref i);
                }

                if (Peek(soql, i) == '.' && char.IsAsciiDigit(Peek(soql, i + 1)) && IsCurrencyPrefix(soql.AsSpan(start, i - start)))
                {
                    i++;
                    SkipDigits(soql, ref i);
                }

                tokens.Add(new Token(TokenKind.Identifier, soql[start..i], start));
                continue;
            }

            throw new SoqlSyntaxException(start, $"unexpected token: '{c}'");
        }
    }

    private static bool IsCurrencyPrefix(ReadOnlySpan<char> word) =>
        word.Length > 3 && char.IsAsciiLetter(word[0]) && char.IsAsciiLetter(word[1]) && char.IsAsciiLetter(word[2])
        && (word[3] == '-' || char.IsAsciiDigit(word[3]));

    private static char Peek(string s, int i) => i < s.Length ? s[i] : '\0';

    private static void SkipDigits(string s, ref int i)
    {
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
        }
    }

    private static Token ReadString(string soql, ref int i)
    {
        var start = i++;
        var value = new StringBuilder();
        while (true)
        {
            if (i >= soql.Length)
            {
                // An unterminated literal: the real parser reports the end of the statement.
                throw new SoqlSyntaxException(soql.Length, "unexpected token: '<EOF>'");
            }

            var c = soql[i++];
            if (c == '\'')
            {
                return new Token(TokenKind.String, soql[start..i], start, value.ToString());
            }

            if (c != '\\')
            {
                value.Append(c);
                continue;
            }

            var escape = i < soql.Length ? soql[i++] : '\0';
            switch (escape)
            {
                case 'n' or 'N': value.Append('\n'); break;
                case 'r' or 'R': value.Append('\r'); break;
                case 't' or 'T': value.Append('\t'); break;
                case 'b' or 'B': value.Append('\b'); break;
                case 'f' or 'F': value.Append('\f'); break;
                case '"' or '\'' or '\\': value.Append(escape); break;
                // LIKE wildcards stay escaped: the LIKE matcher decides what they mean.
                case '%' or '_': value.Append('\\').Append(escape); break;
                case 'u' or 'U' when i + 4 <= soql.Length && IsHex(soql.AsSpan(i, 4)):
                    value.Append((char)Convert.ToInt32(soql.Substring(i, 4), 16));
                    i += 4;
                    break;
                default:
                    throw new SoqlSyntaxException(i - 2, "Invalid string literal '" + soql[start..Math.Min(soql.Length, FindQuoteEnd(soql, i))] +
                        "'. Illegal character sequence '\\" + escape + "' in string literal.");
            }
        }
    }

    private static int FindQuoteEnd(string soql, int i)
    {
        var end = soql.IndexOf('\'', i);
        return end < 0 ? soql.Length : end + 1;
    }

    private static bool IsHex(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static Token ReadNumberOrDate(string soql, ref int i)
    {
        var start = i;
        if (soql[i] is '-' or '+')
        {
            i++;
        }

        SkipDigits(soql, ref i);
        var digits = i - start;
        if (digits == 4 && Peek(soql, i) == '-' && char.IsAsciiDigit(Peek(soql, i + 1)))
        {
            return ReadDate(soql, start, ref i);
        }

        if (Peek(soql, i) == '.' && char.IsAsciiDigit(Peek(soql, i + 1)))
        {
            i++;
            SkipDigits(soql, ref i);
        }

        return new Token(TokenKind.Number, soql[start..i], start);
    }

    private static Token ReadDate(string soql, int start, ref int i)
    {
        // Take the whole word (date, time, fraction, zone) and validate it as one, as the real parser does.
        while (i < soql.Length && (char.IsAsciiLetterOrDigit(soql[i]) || soql[i] is '-' or ':' or '.' or '+'))
        {
            i++;
        }

        var text = soql[start..i];
        if (text.Length == 10)
        {
            return DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _)
                ? new Token(TokenKind.Date, text, start)
                : throw new SoqlSyntaxException(start, "Invalid date: " + text);
        }

        return IsDateTime(text)
            ? new Token(TokenKind.DateTime, text, start)
            : throw new SoqlSyntaxException(start, "Invalid datetime: " + text);
    }

    private static bool IsDateTime(string text)
    {
        // yyyy-MM-ddTHH:mm:ss[.fff](Z|±hh:mm|±hhmm)
        if (text.Length < 20 || (text[10] != 'T' && text[10] != 't'))
        {
            return false;
        }

        var zone = text[^1] is 'Z' or 'z' ? text.Length - 1 : Math.Max(text.LastIndexOf('+'), text.LastIndexOf('-'));
        if (zone < 19)
        {
            return false;
        }

        if (text[zone] is '+' or '-')
        {
            var offset = text[(zone + 1)..].Replace(":", string.Empty, StringComparison.Ordinal);
            if (offset.Length != 4 || !int.TryParse(offset.AsSpan(0, 2), out var h) || h > 23 || !int.TryParse(offset.AsSpan(2), out var m) || m > 59)
            {
                return false;
            }
        }

        try
        {
            _ = Data.FieldValues.ParseDateTime(string.Concat(text.AsSpan(0, 10), "T", text.AsSpan(11)).ToUpperInvariant());
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>A syntax error at a character offset; the parser turns it into MALFORMED_QUERY with the real shape.</summary>
internal sealed class SoqlSyntaxException(int position, string message) : Exception(message)
{
    public int Position { get; } = position;
}
