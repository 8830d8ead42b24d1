/**
 * The XSL stylesheet that rss.xml, atom.xml and the archive pages link to with an
 * `<?xml-stylesheet?>` instruction. Feed readers ignore it; a browser that
 * opens a feed shows a page explaining what a feed is and how to subscribe,
 * followed by the items. XSLT 1.0 only, and no disable-output-escaping
 * (Firefox ignores it): summaries are shown as text, their HTML entities
 * decoded by a template.
 */
export const STYLESHEET = `<?xml version="1.0" encoding="utf-8"?>
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  exclude-result-prefixes="atom dc">
  <xsl:output method="html" encoding="utf-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
  <!-- An archive page names its subscription feed as "current": that is the address to subscribe to, not the page's own. -->
  <xsl:variable name="current" select="/atom:feed/atom:link[@rel='current']/@href"/>
  <xsl:variable name="self" select="/rss/channel/atom:link[@rel='self']/@href | /atom:feed[not(atom:link[@rel='current'])]/atom:link[@rel='self']/@href | $current"/>
  <xsl:variable name="home" select="/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href"/>

  <xsl:template match="/">
    <html lang="{/rss/channel/language | /atom:feed/@xml:lang}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="color-scheme" content="light dark"/>
        <title><xsl:value-of select="$title"/> · web feed</title>
        <style>
          body { font: 17px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 44rem; margin: 0 auto; padding: 1.5rem 1rem 4rem; color: #1d1d1f; background: #fff; }
          a { color: #0b57d0; }
          .about { background: #fff8e1; border: 1px solid #f0d58c; border-radius: 8px; padding: 0.9rem 1.1rem; margin-bottom: 2rem; }
          .about h2 { font-size: 1.05rem; margin: 0 0 0.4rem; }
          .about p { margin: 0.4rem 0; }
          .address { display: block; overflow-wrap: anywhere; padding: 0.4rem 0.6rem; background: #fff; border: 1px solid #ddd; border-radius: 4px; font: 0.9rem ui-monospace, monospace; }
          h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 0.3rem; }
          .description { color: #555; margin-top: 0; }
          article { border-top: 1px solid #e5e5e5; padding: 1rem 0; }
          article h3 { font-size: 1.15rem; margin: 0 0 0.25rem; }
          .meta { color: #666; font-size: 0.85rem; margin: 0 0 0.4rem; }
          article p { margin: 0; }
          @media (prefers-color-scheme: dark) {
            body { color: #e8e8e8; background: #161618; }
            a { color: #8ab4f8; }
            .about { background: #2a2614; border-color: #5c4f1e; }
            .address { background: #111; border-color: #444; }
            .description, .meta { color: #aaa; }
            article { border-color: #333; }
          }
        </style>
      </head>
      <body>
        <section class="about">
          <h2>This is a web feed</h2>
          <p>A feed (RSS or Atom) lets a feed reader app tell you when something new is published here, without an account or an email address. It is meant for apps; you are seeing a preview of it.</p>
          <xsl:if test="$current"><p>This page is part of the feed's archive: it holds older stories.</p></xsl:if>
          <p>To subscribe, copy this address into your feed reader:</p>
          <code class="address"><xsl:value-of select="$self"/></code>
          <p>New to feeds? <a href="https://aboutfeeds.com/">About Feeds</a> explains them and lists readers to choose from.</p>
        </section>
        <h1><xsl:value-of select="$title"/></h1>
        <p class="description"><xsl:value-of select="/rss/channel/description | /atom:feed/atom:subtitle"/></p>
        <p><a href="{$home}">Visit the website</a></p>
        <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <article>
      <h3><a href="{link}"><xsl:value-of select="title"/></a></h3>
      <p class="meta">
        <xsl:value-of select="substring(pubDate, 6, 11)"/>
        <xsl:for-each select="dc:creator"> · <xsl:value-of select="."/></xsl:for-each>
      </p>
      <p><xsl:call-template name="unescape"><xsl:with-param name="text" select="description"/></xsl:call-template></p>
    </article>
  </xsl:template>

  <xsl:template match="atom:entry">
    <article>
      <h3><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h3>
      <p class="meta">
        <xsl:value-of select="substring(atom:published, 1, 10)"/>
        <xsl:for-each select="atom:author"> · <xsl:value-of select="atom:name"/></xsl:for-each>
      </p>
      <p><xsl:call-template name="unescape"><xsl:with-param name="text" select="atom:summary"/></xsl:call-template></p>
    </article>
  </xsl:template>

  <!-- Summaries are HTML-escaped plain text: turn &lt; &gt; &amp; back into characters. -->
  <xsl:template name="unescape">
    <xsl:param name="text"/>
    <xsl:choose>
      <xsl:when test="contains($text, '&amp;')">
        <xsl:value-of select="substring-before($text, '&amp;')"/>
        <xsl:variable name="rest" select="substring-after($text, '&amp;')"/>
        <xsl:choose>
          <xsl:when test="starts-with($rest, 'lt;')">&lt;<xsl:call-template name="unescape"><xsl:with-param name="text" select="substring($rest, 4)"/></xsl:call-template></xsl:when>
          <xsl:when test="starts-with($rest, 'gt;')">&gt;<xsl:call-template name="unescape"><xsl:with-param name="text" select="substring($rest, 4)"/></xsl:call-template></xsl:when>
          <xsl:when test="starts-with($rest, 'amp;')">&amp;<xsl:call-template name="unescape"><xsl:with-param name="text" select="substring($rest, 5)"/></xsl:call-template></xsl:when>
          <xsl:otherwise>&amp;<xsl:call-template name="unescape"><xsl:with-param name="text" select="$rest"/></xsl:call-template></xsl:otherwise>
        </xsl:choose>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
`;
