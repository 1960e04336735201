using System;
using System.Globalization;
using System.Text;

namespace Codegen.Chat.Templates;

/// <summary>
/// Python's <c>datetime.strftime</c> for the codes chat templates use (<c>strftime_now("%d %b %Y")</c>):
/// <c>%a %A %b %B %d %e %H %I %j %m %M %p %S %y %Y %%</c>, and glibc's <c>%-d</c> style without padding; English names.
/// </summary>
internal static class PythonStrftime
{
    /// <summary><paramref name="time"/> written with <paramref name="format"/>.</summary>
    public static string Format(DateTime time, string format)
    {
        CultureInfo english = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                text.Append(format[i]);
                continue;
            }

            bool unpadded = format[i + 1] == '-' && i + 2 < format.Length;
            char code = format[unpadded ? i + 2 : i + 1];
            i += unpadded ? 2 : 1;
            string Number(int value) => unpadded ? value.ToString(english) : value.ToString("00", english);
            switch (code)
            {
                case 'a': text.Append(time.ToString("ddd", english)); break;
                case 'A': text.Append(time.ToString("dddd", english)); break;
                case 'b': text.Append(time.ToString("MMM", english)); break;
                case 'B': text.Append(time.ToString("MMMM", english)); break;
                case 'd': text.Append(Number(time.Day)); break;
                case 'e': text.Append(time.Day.ToString(english).PadLeft(2)); break;
                case 'H': text.Append(Number(time.Hour)); break;
                case 'I': text.Append(Number(time.Hour % 12 == 0 ? 12 : time.Hour % 12)); break;
                case 'j': text.Append(unpadded ? time.DayOfYear.ToString(english) : time.DayOfYear.ToString("000", english)); break;
                case 'm': text.Append(Number(time.Month)); break;
                case 'M': text.Append(Number(time.Minute)); break;
                case 'p': text.Append(time.Hour < 12 ? "AM" : "PM"); break;
                case 'S': text.Append(Number(time.Second)); break;
                case 'y': text.Append(Number(time.Year % 100)); break;
                case 'Y': text.Append(time.Year.ToString(english)); break;
                case '%': text.Append('%'); break;
                default: text.Append('%').Append(unpadded ? "-" : "").Append(code); break;
            }
        }

        return text.ToString();
    }
}
