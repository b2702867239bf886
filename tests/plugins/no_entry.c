/* Test plug-in: a shared object without cpn_policy_entry(); the loader must refuse it. */
int cpn_not_a_policy(void);

int cpn_not_a_policy(void)
{
    return 42;
}
