#include "requesthead.h"

#include <cctype>

namespace qreload::app {

namespace {

//! The parts of `text` between `separator`s, empty ones included.
QList<QByteArrayView> splitView(QByteArrayView text, char separator)
{
    QList<QByteArrayView> parts;
    qsizetype from = 0;
    for (qsizetype at = text.indexOf(separator); at >= 0; at = text.indexOf(separator, from)) {
        parts.append(text.sliced(from, at - from));
        from = at + 1;
    }
    parts.append(text.sliced(from));
    return parts;
}

bool isSkippedBeforeRequestLine(char c)
{
    // What QHttpServer 6.4 skips between requests (leftovers of a previous request's line end).
    return c == '\v' || c == '\n' || c == '\r' || c == ' ' || c == '\t';
}

} // namespace

qsizetype RequestHead::feed(QByteArrayView data, qsizetype maxBytes)
{
    qsizetype i = 0;
    while (i < data.size() && (m_state == State::RequestLine || m_state == State::Fields)) {
        if (m_state == State::RequestLine) {
            if (m_line.isEmpty()) {
                while (i < data.size() && isSkippedBeforeRequestLine(data[i]))
                    ++i;
                if (i == data.size())
                    break;
            }
            const qsizetype end = data.indexOf('\n', i);
            const qsizetype stop = end < 0 ? data.size() : end + 1;
            m_line.append(data.sliced(i, stop - i));
            i = stop;
            if (end < 0)
                break;
            m_line.chop(1);
            if (m_line.endsWith('\r'))
                m_line.chop(1);
            if (!parseRequestLine(m_line)) {
                m_state = State::Malformed;
                break;
            }
            m_state = State::Fields;
            continue;
        }
        // Header fields end at the first "\n\r\n" or "\n\n", or right away with an empty line.
        const qsizetype end = data.indexOf('\n', i);
        const qsizetype stop = end < 0 ? data.size() : end + 1;
        m_fieldBytes.append(data.sliced(i, stop - i));
        i = stop;
        if (end < 0)
            break;
        if (m_fieldBytes == "\n" || m_fieldBytes == "\r\n" || m_fieldBytes.endsWith("\n\r\n")
            || m_fieldBytes.endsWith("\n\n")) {
            parseFields();
            m_state = State::Complete;
        }
    }
    m_size += i;
    if ((m_state == State::RequestLine || m_state == State::Fields) && m_size > maxBytes)
        m_state = State::TooLong;
    return i;
}

bool RequestHead::parseRequestLine(QByteArrayView line)
{
    // METHOD SP+ target SP+ HTTP/x.y, as QHttpServer 6.4 reads it.
    QList<QByteArrayView> parts = splitView(line, ' ');
    parts.removeIf([](QByteArrayView part) { return part.isEmpty(); });
    if (parts.size() < 3)
        return false;
    const QByteArrayView protocol = parts.at(2);
    if (protocol.size() != 8 || !protocol.startsWith("HTTP/") || protocol[6] != '.'
        || !std::isdigit(uchar(protocol[5])) || !std::isdigit(uchar(protocol[7])))
        return false;
    m_method = parts.at(0).toByteArray();
    m_major = protocol[5] - '0';
    m_minor = protocol[7] - '0';
    return true;
}

void RequestHead::parseFields()
{
    for (QByteArrayView line : splitView(m_fieldBytes, '\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArrayView name = line.first(colon).trimmed();
        const QByteArrayView value = line.sliced(colon + 1).trimmed();
        if (name.compare("content-length", Qt::CaseInsensitive) == 0) {
            m_contentLengths.append(value.toByteArray());
        } else if (name.compare("transfer-encoding", Qt::CaseInsensitive) == 0) {
            m_chunked = m_chunked || value.toByteArray().toLower().contains("chunked");
        } else if (name.compare("connection", Qt::CaseInsensitive) == 0) {
            for (QByteArrayView token : splitView(value, ',')) {
                token = token.trimmed();
                m_connectionClose
                    = m_connectionClose || token.compare("close", Qt::CaseInsensitive) == 0;
                m_connectionKeepAlive = m_connectionKeepAlive
                                        || token.compare("keep-alive", Qt::CaseInsensitive) == 0;
            }
        }
    }
    m_fieldBytes.clear();
    m_line.clear();
}

qint64 RequestHead::contentLength() const
{
    qint64 length = -1;
    for (const QByteArray &value : m_contentLengths) {
        bool ok = false;
        const qint64 v = value.toLongLong(&ok);
        if (!ok || v < 0 || (length >= 0 && v != length))
            return -2;
        length = v;
    }
    return length;
}

bool RequestHead::closesConnection() const
{
    if (m_connectionClose)
        return true;
    const bool http10OrOlder = m_major < 1 || (m_major == 1 && m_minor == 0);
    return http10OrOlder && !m_connectionKeepAlive;
}

bool RequestHead::isKeepAliveHttp10() const
{
    return m_major == 1 && m_minor == 0 && !closesConnection();
}

} // namespace qreload::app
