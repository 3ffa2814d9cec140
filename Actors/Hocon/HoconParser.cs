using System.Globalization;
using System.Text;

namespace LiveTracker.Actors.Hocon;

/// <summary>
/// Recursive-descent reader for the subset of HOCON this product uses. It works on characters
/// directly rather than on a token stream because HOCON's lexing depends on context: whitespace is
/// significant inside a value concatenation (<c>10 minutes</c>) but not around keys, and <c>/</c> is a
/// plain character (<c>America/New_York</c>) unless doubled into a comment.
/// Substitutions are left as <see cref="HoconDeferredValue"/> nodes for <see cref="HoconResolver"/>.
/// </summary>
internal sealed class HoconParser
{
    // Characters HOCON reserves; anything else that is not whitespace may appear in an unquoted string.
    private const string Reserved = "$\"{}[]:=,+#`^?!@*&\\";

    private readonly string _text;
    private readonly string _file;
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    private HoconParser(string text, string file)
    {
        _text = text;
        _file = file;
    }

    private bool AtEnd => _pos >= _text.Length;

    public static HoconObject Parse(string text, string file)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(file);
        return new HoconParser(text, file).ParseDocument();
    }

    private HoconObject ParseDocument()
    {
        SkipBlank();
        if (!AtEnd && Peek() == '{')
        {
            var root = ParseBracedObject();
            SkipBlank();
            if (!AtEnd)
            {
                throw Error(Here(), $"unexpected {Describe(Peek())} after the '}}' that closes the root object");
            }

            return root;
        }

        if (!AtEnd && Peek() == '[')
        {
            throw Error(Here(), "a configuration must be an object, not an array");
        }

        var document = new HoconObject(new HoconSource(_file, 1, 1));
        ParseFields(document, openBrace: null);
        return document;
    }

    private HoconObject ParseBracedObject()
    {
        var open = Here();
        Advance();
        var obj = new HoconObject(open);
        ParseFields(obj, open);
        return obj;
    }

    private void ParseFields(HoconObject target, HoconSource? openBrace)
    {
        while (true)
        {
            SkipBlank();
            if (AtEnd)
            {
                if (openBrace is { } open)
                {
                    throw Error(Here(), $"expected '}}' to close the object opened at line {open.Line}, found end of file");
                }

                return;
            }

            var c = Peek();
            if (c == '}')
            {
                if (openBrace is null)
                {
                    throw Error(Here(), "unexpected '}' (there is no open object to close)");
                }

                Advance();
                return;
            }

            if (c == ',')
            {
                throw Error(Here(), "unexpected ',' (expected a key)");
            }

            var key = ParseField(target);

            SkipInline();
            if (AtEnd || Peek() is '\n' or '}')
            {
                continue;
            }

            if (Peek() == ',')
            {
                Advance();
                continue;
            }

            throw Error(Here(), $"expected ',' or a new line after the value of '{key}', found {Describe(Peek())}");
        }
    }

    /// <summary>Parses <c>key = value</c>, <c>key : value</c> or <c>key { ... }</c> and merges it into <paramref name="target"/>.</summary>
    private string ParseField(HoconObject target)
    {
        var keyStart = _pos;
        var path = ParseKey();
        var key = string.Join('.', path);
        SkipInline();

        if (path.Count == 1 && key == "include" && _text[keyStart] != '"' && !AtEnd && Peek() == '"')
        {
            throw Error(PositionOf(keyStart), "'include' is not supported; keep all settings in this file");
        }

        HoconValue value;
        var c = AtEnd ? '\0' : Peek();
        if (c is '=' or ':')
        {
            Advance();
            SkipInline();
            value = ParseValue($"for key '{key}'");
        }
        else if (c == '{')
        {
            value = ParseBracedObject();
        }
        else if (c == '\n' && BraceFollowsOnLaterLine())
        {
            // An object opened on the next line, C#-style; the look-ahead above already moved to the brace.
            value = ParseBracedObject();
        }
        else if (c == '+' && Peek(1) == '=')
        {
            throw Error(Here(), $"'+=' is not supported (key '{key}'); write the whole array");
        }
        else
        {
            throw Error(Here(), $"expected '=', ':' or '{{' after key '{key}', found {DescribeHere()}");
        }

        Assign(target, path, value);
        return key;
    }

    private bool BraceFollowsOnLaterLine()
    {
        var (pos, line, lineStart) = (_pos, _line, _lineStart);
        SkipBlank();
        if (!AtEnd && Peek() == '{')
        {
            return true;
        }

        (_pos, _line, _lineStart) = (pos, line, lineStart);
        return false;
    }

    private HoconValue ParseValue(string context)
    {
        if (AtEnd)
        {
            throw Error(Here(), $"expected a value {context}, found end of file");
        }

        return Peek() switch
        {
            '{' => ParseBracedObject(),
            '[' => ParseArray(),
            _ => ParseConcatenation(context),
        };
    }

    private HoconArray ParseArray()
    {
        var open = Here();
        Advance();
        var items = new List<HoconValue>();
        while (true)
        {
            SkipBlank();
            if (AtEnd)
            {
                throw Error(Here(), $"expected ']' to close the array opened at line {open.Line}, found end of file");
            }

            if (Peek() == ']')
            {
                Advance();
                return new HoconArray(items, open);
            }

            if (Peek() == ',')
            {
                throw Error(Here(), "unexpected ',' in array (expected a value or ']')");
            }

            items.Add(ParseValue("in the array"));
            SkipInline();
            if (AtEnd || Peek() is '\n' or ']')
            {
                continue;
            }

            if (Peek() == ',')
            {
                Advance();
                continue;
            }

            throw Error(Here(), $"expected ',' or ']' after an array element, found {Describe(Peek())}");
        }
    }

    /// <summary>
    /// Reads simple values up to the end of the value (new line, ',', '}', ']', comment). Adjacent pieces
    /// form one string with the whitespace between them kept, which is how <c>10 minutes</c> stays one value.
    /// </summary>
    private HoconValue ParseConcatenation(string context)
    {
        var start = Here();
        var parts = new List<HoconPart>();
        while (StartsSimpleValue())
        {
            parts.Add(ReadPart());
            var whitespaceStart = _pos;
            while (!AtEnd && IsInlineWhitespace(Peek()))
            {
                Advance();
            }

            if (_pos > whitespaceStart && StartsSimpleValue())
            {
                parts.Add(new HoconPart(_text[whitespaceStart.._pos], null, Quoted: false));
            }
        }

        if (parts.Count == 0)
        {
            throw Error(start, $"expected a value {context}, found {DescribeHere()}");
        }

        if (parts.Exists(p => p.Substitution is not null))
        {
            return new HoconDeferredValue(parts, start);
        }

        if (parts.Count == 1 && !parts[0].Quoted)
        {
            return Classify(parts[0].Text!, start);
        }

        return new HoconScalar(string.Concat(parts.Select(p => p.Text)), HoconScalarKind.String, start);
    }

    private static HoconScalar Classify(string text, HoconSource source) => text switch
    {
        "true" or "false" => new HoconScalar(text, HoconScalarKind.Boolean, source),
        "null" => new HoconScalar(null, HoconScalarKind.Null, source),
        _ when IsJsonNumber(text) => new HoconScalar(text, HoconScalarKind.Number, source),
        _ => new HoconScalar(text, HoconScalarKind.String, source),
    };

    private bool StartsSimpleValue()
    {
        if (AtEnd)
        {
            return false;
        }

        var c = Peek();
        return c == '"' || (c == '$' && Peek(1) == '{') || (IsUnquotedChar(c) && !AtCommentStart());
    }

    private HoconPart ReadPart()
    {
        var c = Peek();
        if (c == '"')
        {
            var text = Peek(1) == '"' && Peek(2) == '"' ? ReadTripleQuoted() : ReadQuoted();
            return new HoconPart(text, null, Quoted: true);
        }

        if (c == '$')
        {
            return new HoconPart(null, ReadSubstitution(), Quoted: false);
        }

        var begin = _pos;
        while (!AtEnd && IsUnquotedChar(Peek()) && !AtCommentStart())
        {
            Advance();
        }

        return new HoconPart(_text[begin.._pos], null, Quoted: false);
    }

    private HoconSubstitution ReadSubstitution()
    {
        var start = Here();
        Advance(); // $
        Advance(); // {
        var optional = false;
        if (!AtEnd && Peek() == '?')
        {
            optional = true;
            Advance();
        }

        if (!AtEnd && Peek() == '}')
        {
            throw Error(start, "empty substitution; write ${path} or ${?ENV_VAR}");
        }

        var path = ParseKey();
        if (AtEnd || Peek() != '}')
        {
            throw Error(Here(), $"expected '}}' to close the substitution that starts at column {start.Column}, found {DescribeHere()}");
        }

        Advance();
        return new HoconSubstitution(path, optional, start);
    }

    /// <summary>A dotted key; quoted segments keep their dots (<c>"a.b".c</c> is two segments).</summary>
    private List<string> ParseKey()
    {
        var segments = new List<string>();
        var current = new StringBuilder();
        var hasContent = false;
        while (!AtEnd)
        {
            var c = Peek();
            if (c == '"')
            {
                current.Append(ReadQuoted());
                hasContent = true;
            }
            else if (c == '.')
            {
                if (!hasContent)
                {
                    throw Error(Here(), segments.Count == 0 ? "a key cannot start with '.'" : "empty key segment ('..')");
                }

                segments.Add(current.ToString());
                current.Clear();
                hasContent = false;
                Advance();
            }
            else if (IsUnquotedChar(c) && !AtCommentStart())
            {
                current.Append(c);
                hasContent = true;
                Advance();
            }
            else
            {
                break;
            }
        }

        if (!hasContent)
        {
            throw Error(Here(), segments.Count == 0 ? $"expected a key, found {DescribeHere()}" : "a key cannot end with '.'");
        }

        segments.Add(current.ToString());
        return segments;
    }

    private string ReadQuoted()
    {
        var open = Here();
        Advance();
        var text = new StringBuilder();
        while (true)
        {
            if (AtEnd || Peek() == '\n')
            {
                throw Error(open, "unterminated quoted string (it must end on the line it starts; use \"\"\" for text over several lines)");
            }

            var c = Peek();
            if (c == '"')
            {
                Advance();
                return text.ToString();
            }

            if (c != '\\')
            {
                text.Append(c);
                Advance();
                continue;
            }

            var escape = Here();
            Advance();
            if (AtEnd || Peek() == '\n')
            {
                throw Error(escape, "unterminated quoted string (a '\\' ends the line)");
            }

            var e = Peek();
            Advance();
            switch (e)
            {
                case '"': text.Append('"'); break;
                case '\\': text.Append('\\'); break;
                case '/': text.Append('/'); break;
                case 'b': text.Append('\b'); break;
                case 'f': text.Append('\f'); break;
                case 'n': text.Append('\n'); break;
                case 'r': text.Append('\r'); break;
                case 't': text.Append('\t'); break;
                case 'u': text.Append(ReadUnicodeEscape(escape)); break;
                default:
                    throw Error(escape, $"unknown escape '\\{e}' in quoted string (write '\\\\' for a backslash)");
            }
        }
    }

    private char ReadUnicodeEscape(HoconSource escape)
    {
        var code = 0;
        for (var i = 0; i < 4; i++)
        {
            var digit = AtEnd ? -1 : HexValue(Peek());
            if (digit < 0)
            {
                throw Error(escape, "expected four hex digits after '\\u'");
            }

            code = (code * 16) + digit;
            Advance();
        }

        return (char)code;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>
    /// <c>"""raw text"""</c>: no escapes, may span lines. Quotes beyond the closing three belong to the
    /// text, so <c>"""say "hi""""</c> ends with a quote.
    /// </summary>
    private string ReadTripleQuoted()
    {
        var open = Here();
        Advance();
        Advance();
        Advance();
        var begin = _pos;
        while (true)
        {
            if (AtEnd)
            {
                throw Error(open, "unterminated \"\"\" string");
            }

            if (Peek() == '"' && Peek(1) == '"' && Peek(2) == '"')
            {
                var quotes = 0;
                while (Peek(quotes) == '"')
                {
                    quotes++;
                }

                var end = _pos + quotes - 3;
                for (var i = 0; i < quotes; i++)
                {
                    Advance();
                }

                return _text[begin..end];
            }

            Advance();
        }
    }

    private static void Assign(HoconObject target, List<string> path, HoconValue value)
    {
        var current = target;
        for (var i = 0; i < path.Count - 1; i++)
        {
            if (current.TryGetValue(path[i], out var existing) && existing is HoconObject nested)
            {
                current = nested;
                continue;
            }

            var created = new HoconObject(value.Source);
            current.Set(path[i], created);
            current = created;
        }

        Merge(current, path[^1], value);
    }

    /// <summary>
    /// HOCON's duplicate-key rule: two objects merge field by field (later fields win); anything else
    /// replaces the earlier value, except that a value still waiting on a substitution keeps the earlier
    /// one as its fallback.
    /// </summary>
    private static void Merge(HoconObject target, string key, HoconValue value)
    {
        target.TryGetValue(key, out var existing);
        if (value is HoconObject incoming && existing is HoconObject current)
        {
            foreach (var field in incoming.Keys.ToList())
            {
                Merge(current, field, incoming[field]);
            }

            return;
        }

        if (value is HoconDeferredValue deferred && deferred.Previous is null)
        {
            deferred.Previous = existing;
        }

        target.Set(key, value);
    }

    private static bool IsJsonNumber(string text)
    {
        var i = 0;
        if (i < text.Length && text[i] == '-')
        {
            i++;
        }

        var intStart = i;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        if (i == intStart || (text[intStart] == '0' && i - intStart > 1))
        {
            return false;
        }

        if (i < text.Length && text[i] == '.')
        {
            i++;
            var fractionStart = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == fractionStart)
            {
                return false;
            }
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] == '-')
            {
                i++;
            }

            var exponentStart = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == exponentStart)
            {
                return false;
            }
        }

        return i == text.Length;
    }

    private static bool IsInlineWhitespace(char c) => c != '\n' && (char.IsWhiteSpace(c) || c == '\uFEFF');

    private static bool IsUnquotedChar(char c) => !char.IsWhiteSpace(c) && c != '\uFEFF' && c != '\0' && !Reserved.Contains(c, StringComparison.Ordinal);

    private bool AtCommentStart() => Peek() == '#' || (Peek() == '/' && Peek(1) == '/');

    /// <summary>Skips spaces and a trailing comment, stopping at the new line.</summary>
    private void SkipInline()
    {
        while (!AtEnd)
        {
            var c = Peek();
            if (IsInlineWhitespace(c))
            {
                Advance();
            }
            else if (AtCommentStart())
            {
                while (!AtEnd && Peek() != '\n')
                {
                    Advance();
                }
            }
            else
            {
                return;
            }
        }
    }

    /// <summary>Skips whitespace, comments and new lines.</summary>
    private void SkipBlank()
    {
        while (true)
        {
            SkipInline();
            if (AtEnd || Peek() != '\n')
            {
                return;
            }

            Advance();
        }
    }

    private char Peek(int offset = 0) => _pos + offset < _text.Length ? _text[_pos + offset] : '\0';

    private void Advance()
    {
        if (_text[_pos] == '\n')
        {
            _line++;
            _lineStart = _pos + 1;
        }

        _pos++;
    }

    private HoconSource Here() => new(_file, _line, _pos - _lineStart + 1);

    private HoconSource PositionOf(int index)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < index; i++)
        {
            if (_text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return new HoconSource(_file, line, index - lineStart + 1);
    }

    private string DescribeHere() => AtEnd ? "end of file" : Describe(Peek());

    private static string Describe(char c) => c switch
    {
        '\n' => "a new line",
        '\r' => "a carriage return",
        '\t' => "a tab",
        _ when char.IsControl(c) => $"character U+{(int)c:X4}",
        _ => string.Create(CultureInfo.InvariantCulture, $"'{c}'"),
    };

    private static HoconException Error(HoconSource source, string reason) => new(source, reason);
}
