using System.Globalization;
using System.Text;

namespace LiveTracker.Actors.Configuration;

/// <summary>
/// What runs over the settings file's text before Akka's HOCON parser sees it, for the two things that parser
/// (Akka.NET 1.5) does not do (ADR 0012):
/// <list type="bullet">
/// <item><c>key = ${?VAR}</c> environment overrides. Akka's parser has no optional substitution and no environment
/// lookup: it reads <c>${?VAR}</c> as an empty reference and closes the enclosing object at its <c>}</c>. Here a set
/// variable becomes an ordinary Akka reference, <c>${livetracker-environment-variables.VAR}</c>, to a section appended
/// to the text (so the parsed tree still says where the value came from); an unset one removes its field, so the
/// value above it stays.</item>
/// <item>The mistakes Akka's parser accepts silently and answers by dropping settings: a quoted string not closed on
/// its line (the rest of the file becomes its text), a <c>}</c> or <c>]</c> that closes nothing (the rest of the
/// file is ignored), a <c>{</c> or <c>[</c> never closed. These are reported with their line.</item>
/// </list>
/// It only tells strings, comments, brackets and <c>${...}</c> apart; everything else is Akka's parser's. Newlines are
/// kept where they were, so a line number in the rewritten text is the line in the file.
/// </summary>
internal static class SettingsFileScan
{
    /// <summary>The appended section holding the environment variables the file refers to and that are set.</summary>
    internal const string EnvironmentSection = "livetracker-environment-variables";

    internal sealed record Result(string Text, IReadOnlyList<ConfigurationError> Errors);

    public static Result Run(string text, string fileName, Func<string, string?> environment)
    {
        var output = new StringBuilder(text.Length + 64);
        var variables = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var errors = new List<(int Line, ConfigurationError Error)>();
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;

        // Where the field being read starts in the output: after a new line, '{', '[' or ','.
        var fieldStart = 0;
        var i = 0;

        // A syntax error belongs to no one setting: its key is empty, its location the line.
        void Error(int atLine, string message) =>
            errors.Add((atLine, new ConfigurationError(string.Empty, $"{fileName} line {atLine}", $"{fileName} line {atLine}: {message}")));

        // Copies up to (not including) the end of the current line.
        void CopyRestOfLine()
        {
            var end = text.IndexOf('\n', i);
            end = end < 0 ? text.Length : end;
            output.Append(text, i, end - i);
            i = end;
        }

        while (i < text.Length)
        {
            var c = text[i];
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            switch (c)
            {
                case '\n':
                    output.Append(c);
                    line++;
                    i++;
                    fieldStart = output.Length;
                    break;
                case '#':
                case '/' when next == '/':
                    CopyRestOfLine();
                    break;
                case '"' when string.CompareOrdinal(text, i, "\"\"\"", 0, 3) == 0:
                {
                    var close = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                    if (close < 0)
                    {
                        Error(line, "a triple-quoted string (\"\"\") is never closed");
                        output.Append(text, i, text.Length - i);
                        i = text.Length;
                        break;
                    }

                    // Like HOCON, quotes right after the closing three belong to the string.
                    var end = close + 3;
                    while (end < text.Length && text[end] == '"')
                    {
                        end++;
                    }

                    var raw = text[i..end];
                    output.Append(raw);
                    line += raw.Count(ch => ch == '\n');
                    i = end;
                    break;
                }

                case '"':
                {
                    var j = i + 1;
                    while (j < text.Length && text[j] != '"' && text[j] != '\n')
                    {
                        j += text[j] == '\\' ? 2 : 1;
                    }

                    if (j >= text.Length || text[j] != '"')
                    {
                        Error(line, "a quoted string is not closed on its line (a \" without its closing \")");
                        CopyRestOfLine();
                        break;
                    }

                    output.Append(text, i, j + 1 - i);
                    i = j + 1;
                    break;
                }

                case '{' or '[':
                    open.Push((c, line));
                    output.Append(c);
                    i++;
                    fieldStart = output.Length;
                    break;
                case '}' or ']':
                {
                    var opening = c == '}' ? '{' : '[';
                    if (open.Count == 0)
                    {
                        Error(line, $"'{c}' closes nothing: no {(c == '}' ? "object" : "list")} is open here");
                    }
                    else
                    {
                        // A wrong closer still closes what is open, so one slip is one error.
                        var (bracket, openedAt) = open.Pop();
                        if (bracket != opening)
                        {
                            Error(line, $"'{c}' where the {(bracket == '{' ? "object" : "list")} opened at line {openedAt} must be closed first with '{(bracket == '{' ? '}' : ']')}'");
                        }
                    }

                    output.Append(c);
                    i++;
                    fieldStart = output.Length;
                    break;
                }

                case ',':
                    output.Append(c);
                    i++;
                    fieldStart = output.Length;
                    break;
                case '$' when next == '{':
                    Substitution();
                    break;
                default:
                    output.Append(c);
                    i++;
                    break;
            }
        }

        foreach (var (bracket, openedAt) in open)
        {
            Error(openedAt, $"the {(bracket == '{' ? "object" : "list")} opened here with '{bracket}' is never closed");
        }

        if (variables.Count > 0)
        {
            output.Append('\n').Append(EnvironmentSection).Append(" {\n");
            foreach (var (name, value) in variables)
            {
                output.Append("  ").Append(name).Append(" = ").Append(Quote(value)).Append('\n');
            }

            output.Append("}\n");
        }

        // Reported in file order, like the settings' own errors.
        return new Result(output.ToString(), errors.OrderBy(e => e.Line).Select(e => e.Error).ToList());

        void Substitution()
        {
            var close = text.IndexOf('}', i + 2);
            var lineEnd = text.IndexOf('\n', i);
            if (close < 0 || (lineEnd >= 0 && lineEnd < close))
            {
                Error(line, "a substitution ${ is not closed with } on its line");
                CopyRestOfLine();
                return;
            }

            var inner = text[(i + 2)..close];
            if (!inner.StartsWith('?'))
            {
                // ${path}: a reference to another setting, which Akka's parser resolves.
                output.Append(text, i, close + 1 - i);
                i = close + 1;
                return;
            }

            var name = inner[1..].Trim();
            if (!IsVariableName(name))
            {
                Error(line, $"${{{inner}}}: an override reads an environment variable, and \"{name}\" is not a variable name (letters, digits and _, not starting with a digit)");
                output.Append(text, i, close + 1 - i);
                i = close + 1;
                return;
            }

            var written = output.ToString(fieldStart, output.Length - fieldStart).Trim(' ', '\t', '\r');
            var after = close + 1;
            while (after < text.Length && text[after] is ' ' or '\t' or '\r')
            {
                after++;
            }

            var endsField = after >= text.Length || text[after] is '\n' or ',' or '}' or '#'
                || string.CompareOrdinal(text, after, "//", 0, 2) == 0;
            var isWholeValue = written.Length > 1 && written[^1] is '=' or ':' && written[..^1].Trim().Length > 0 && endsField;
            if (!isWholeValue)
            {
                Error(line, $"${{?{name}}} must be the whole value of a setting, on a line of its own: key = ${{?{name}}}");
                output.Append(text, i, close + 1 - i);
                i = close + 1;
                return;
            }

            if (environment(name) is { } value)
            {
                variables[name] = value;
                output.Append("${").Append(EnvironmentSection).Append('.').Append(name).Append('}');
            }
            else
            {
                // Not set: the field is left out, so an earlier value of the key stays (HOCON's rule for ${?...}).
                output.Length = fieldStart;
            }

            i = close + 1;
        }
    }

    private static bool IsVariableName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_');

    /// <summary>A HOCON quoted string holding exactly <paramref name="value"/>.</summary>
    private static string Quote(string value)
    {
        var quoted = new StringBuilder("\"");
        foreach (var ch in value)
        {
            quoted.Append(ch switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(ch) => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)ch:x4}"),
                _ => ch.ToString(),
            });
        }

        return quoted.Append('"').ToString();
    }
}
