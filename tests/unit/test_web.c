/* placeholder while the test is written */
int main(void);
int main(void)
{
	return 0;
}
