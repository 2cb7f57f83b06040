#include "requesthead.h"

#include <cctype>

namespace qreload::app {

namespace {

bool isSkippedBeforeRequestLine(char c)
{
    // What QHttpServer 6.4 skips between requests (leftovers of a previous request's line end).
    return c == '\v' || c == '\n' || c == '\r' || c == ' ' || c == '\t';
}

} // namespace

qsizetype RequestHead::feed(QByteArrayView data, qsizetype maxBytes)
{
    // Line by line: complete lines are read where they are; only a line cut by the end of `data`
    // is kept (m_partial) until the rest arrives.
    qsizetype i = 0;
    while (i < data.size() && (m_state == State::RequestLine || m_state == State::Fields)) {
        if (m_state == State::RequestLine && m_partial.isEmpty()) {
            while (i < data.size() && isSkippedBeforeRequestLine(data[i]))
                ++i;
            if (i == data.size())
                break;
        }
        const qsizetype end = data.indexOf('\n', i);
        if (end < 0) {
            m_partial.append(data.sliced(i));
            i = data.size();
            break;
        }
        QByteArrayView line = data.sliced(i, end - i);
        QByteArray joined;
        if (!m_partial.isEmpty()) {
            joined = m_partial;
            joined.append(line);
            m_partial.clear();
            line = joined;
        }
        i = end + 1;
        if (line.endsWith('\r'))
            line.chop(1);
        if (m_state == State::RequestLine) {
            if (!parseRequestLine(line)) {
                m_state = State::Malformed;
                break;
            }
            m_state = State::Fields;
        } else if (line.isEmpty()) {
            // The fields end at an empty line ("\n\r\n" or "\n\n"), as the parser's do.
            m_state = State::Complete;
        } else {
            parseField(line);
        }
    }
    m_size += i;
    if ((m_state == State::RequestLine || m_state == State::Fields) && m_size > maxBytes)
        m_state = State::TooLong;
    return i;
}

void RequestHead::clear()
{
    m_state = State::RequestLine;
    m_size = 0;
    m_partial.clear();
    m_major = 1;
    m_minor = 1;
    m_contentLengths.clear();
    m_chunked = false;
    m_connectionClose = false;
    m_connectionKeepAlive = false;
}

bool RequestHead::parseRequestLine(QByteArrayView line)
{
    // METHOD SP+ target SP+ HTTP/x.y [SP ...], as QHttpServer 6.4 reads it.
    const auto word = [&line](qsizetype from) {
        while (from < line.size() && line[from] == ' ')
            ++from;
        const qsizetype to = line.indexOf(' ', from);
        return line.sliced(from, (to < 0 ? line.size() : to) - from);
    };
    const QByteArrayView method = word(0);
    const QByteArrayView target = word(method.size());
    const QByteArrayView protocol = word(target.data() - line.data() + target.size());
    if (method.isEmpty() || target.isEmpty() || protocol.size() != 8
        || !protocol.startsWith("HTTP/") || protocol[6] != '.' || !std::isdigit(uchar(protocol[5]))
        || !std::isdigit(uchar(protocol[7])))
        return false;
    m_major = protocol[5] - '0';
    m_minor = protocol[7] - '0';
    return true;
}

void RequestHead::parseField(QByteArrayView line)
{
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0)
        return;
    const QByteArrayView name = line.first(colon).trimmed();
    const QByteArrayView value = line.sliced(colon + 1).trimmed();
    if (name.compare("content-length", Qt::CaseInsensitive) == 0) {
        m_contentLengths.append(value.toByteArray());
    } else if (name.compare("transfer-encoding", Qt::CaseInsensitive) == 0) {
        m_chunked = m_chunked || value.toByteArray().toLower().contains("chunked");
    } else if (name.compare("connection", Qt::CaseInsensitive) == 0) {
        qsizetype from = 0;
        while (from <= value.size()) {
            qsizetype to = value.indexOf(',', from);
            if (to < 0)
                to = value.size();
            const QByteArrayView token = value.sliced(from, to - from).trimmed();
            m_connectionClose
                = m_connectionClose || token.compare("close", Qt::CaseInsensitive) == 0;
            m_connectionKeepAlive
                = m_connectionKeepAlive || token.compare("keep-alive", Qt::CaseInsensitive) == 0;
            from = to + 1;
        }
    }
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
